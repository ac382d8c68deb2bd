/**
 * Authentication material: which key files ssh would offer, their public halves, and the private
 * keys, decrypted at most once per file per process. Passphrases and key bytes never leave here
 * except as ssh2 key objects; errors name files only.
 */
import { access, stat } from 'node:fs/promises';
import { join } from 'node:path';
import ssh2, { type ParsedKey } from 'ssh2';
import { ClawfixError, ExitCode } from '../errors.js';
import { passphraseNeededError } from './errors.js';
import { mebibytes, readCapped } from '../read-capped.js';

/** A key file is a few KB; /dev/zero or a wrong path to a big file stops here. */
const MAX_KEY_FILE_BYTES = 1024 * 1024;

const { utils } = ssh2;

/** Asks for a key's passphrase (the CLI prompts on a TTY). `attempt` counts from 1; '' gives up on the key. */
export type AskPassphrase = (keyPath: string, attempt: number) => Promise<string>;

/** A key file ssh2 cannot use: skipped, and named in the auth failure's notes. */
export class KeyFileError extends ClawfixError {
  constructor(
    readonly keyPath: string,
    reason: string,
  ) {
    super('SSH_KEY_FILE', `${keyPath}: ${reason}`, { exitCode: ExitCode.UNREACHABLE });
    this.name = 'KeyFileError';
  }
}

/** OpenSSH's default identities, in its order (DSA and security keys left out). */
export function defaultIdentityFiles(home: string): string[] {
  return ['id_ed25519', 'id_ecdsa', 'id_rsa'].map((name) => join(home, '.ssh', name));
}

export async function existingFiles(paths: readonly string[]): Promise<string[]> {
  const found = await Promise.all(paths.map((p) => access(p).then(() => p, () => undefined)));
  return found.filter((p): p is string => p !== undefined);
}

const MAX_PASSPHRASE_ATTEMPTS = 3;

function single(key: ParsedKey | ParsedKey[] | Error): ParsedKey | Error {
  // OpenSSH's format can hold several keys; ssh (and ssh2's own client) use the first.
  return Array.isArray(key) ? (key[0] ?? new Error('no key in file')) : key;
}

function parse(data: Buffer | string, passphrase?: string): ParsedKey | Error {
  return single(utils.parseKey(data, passphrase) as ParsedKey | ParsedKey[] | Error);
}

/** The public half as its own key object, so the private one is not kept where it is not needed. */
export function publicOf(key: ParsedKey): ParsedKey | undefined {
  const pub = parse(`${key.type} ${key.getPublicSSH().toString('base64')}`);
  return pub instanceof Error ? undefined : pub;
}

function isEncryptedError(error: Error): boolean {
  return /encrypted|passphrase/i.test(error.message);
}

/** The public key stored in clear in an `openssh-key-v1` file's header, even when the key is encrypted. */
export function publicKeyFromOpensshHeader(text: string): ParsedKey | undefined {
  const body = /-----BEGIN OPENSSH PRIVATE KEY-----([\s\S]*?)-----END OPENSSH PRIVATE KEY-----/.exec(text)?.[1];
  if (body === undefined) return undefined;
  const buf = Buffer.from(body.replace(/\s+/g, ''), 'base64');
  const magic = 'openssh-key-v1\0';
  if (buf.toString('latin1', 0, magic.length) !== magic) return undefined;
  let offset = magic.length;
  const readString = (): Buffer | undefined => {
    if (offset + 4 > buf.length) return undefined;
    const length = buf.readUInt32BE(offset);
    if (offset + 4 + length > buf.length) return undefined;
    const out = buf.subarray(offset + 4, offset + 4 + length);
    offset += 4 + length;
    return out;
  };
  for (let i = 0; i < 3; i++) if (readString() === undefined) return undefined; // cipher, kdf, kdf options
  offset += 4; // number of keys
  const blob = readString();
  const type = blob && blob.length > 4 ? blob.toString('latin1', 4, 4 + blob.readUInt32BE(0)) : undefined;
  if (blob === undefined || type === undefined) return undefined;
  const key = parse(`${type} ${blob.toString('base64')}`);
  return key instanceof Error ? undefined : key;
}

/**
 * Loads keys once per path per process. Concurrent callers share the pending promise, so twenty
 * hosts connecting in parallel with one encrypted key produce one passphrase prompt; a failure
 * (no terminal, wrong passphrase three times, refusal) is remembered too and never re-asked.
 */
export class KeyLoader {
  private readonly privateKeys = new Map<string, Promise<ParsedKey>>();
  private readonly publicKeys = new Map<string, Promise<ParsedKey | undefined>>();

  /** The public key without asking anything: `<path>.pub`, the openssh header, or an unencrypted key. */
  publicKey(path: string): Promise<ParsedKey | undefined> {
    let pending = this.publicKeys.get(path);
    if (pending === undefined) {
      pending = this.readPublic(path);
      this.publicKeys.set(path, pending);
    }
    return pending;
  }

  privateKey(path: string, ask: AskPassphrase | undefined): Promise<ParsedKey> {
    let pending = this.privateKeys.get(path);
    if (pending === undefined) {
      pending = this.readPrivate(path, ask);
      this.privateKeys.set(path, pending);
      pending.catch(() => undefined); // observed by callers; no unhandled rejection when nobody else waits
    }
    return pending;
  }

  private async readPublic(path: string): Promise<ParsedKey | undefined> {
    const pub = (await readCapped(`${path}.pub`, MAX_KEY_FILE_BYTES).catch(() => null))?.toString('utf8');
    if (pub !== undefined) {
      const key = parse(pub);
      if (!(key instanceof Error)) return key;
    }
    const text = (await readCapped(path, MAX_KEY_FILE_BYTES).catch(() => null))?.toString('utf8');
    if (text === undefined) return undefined;
    const fromHeader = publicKeyFromOpensshHeader(text);
    if (fromHeader !== undefined) return fromHeader;
    const key = parse(text);
    return key instanceof Error ? undefined : publicOf(key);
  }

  private async readPrivate(path: string, ask: AskPassphrase | undefined): Promise<ParsedKey> {
    const data = await readCapped(path, MAX_KEY_FILE_BYTES).catch((error: NodeJS.ErrnoException) => {
      throw new KeyFileError(path, error.code === 'ENOENT' ? 'no such identity file' : `cannot read (${error.code ?? 'error'})`);
    });
    if (data === null) throw new KeyFileError(path, `larger than ${mebibytes(MAX_KEY_FILE_BYTES)}: not a key file (check identityFile)`);
    const st = await stat(path);
    // ssh ignores a private key others can read ("UNPROTECTED PRIVATE KEY FILE!"); so do we.
    if (st.uid === process.getuid?.() && (st.mode & 0o077) !== 0) {
      throw new KeyFileError(path, `permissions 0${(st.mode & 0o777).toString(8)} are too open, ssh ignores this key (chmod 600 it)`);
    }
    const plain = parse(data);
    if (!(plain instanceof Error)) return plain;
    if (!isEncryptedError(plain)) throw new KeyFileError(path, 'not a private key format ssh2 can read');
    if (ask === undefined) throw passphraseNeededError(path);
    for (let attempt = 1; attempt <= MAX_PASSPHRASE_ATTEMPTS; attempt++) {
      const passphrase = await ask(path, attempt).catch((error: unknown) => {
        // The CLI's prompt reports "no terminal" its own way; make it the typed error fleets classify.
        if (error instanceof ClawfixError && /PASSPHRASE_NEEDED/.test(error.code)) throw passphraseNeededError(path);
        throw error;
      });
      if (passphrase === '') throw new KeyFileError(path, 'no passphrase given, key skipped');
      const key = parse(data, passphrase);
      if (!(key instanceof Error)) return key;
    }
    throw new KeyFileError(path, `wrong passphrase (${MAX_PASSPHRASE_ATTEMPTS} attempts), key skipped`);
  }
}

/** One per process: the cache is what makes "one prompt per key file" hold across hosts. */
export const defaultKeyLoader = new KeyLoader();
