/**
 * SSH keys for the integration tests, made by the real `ssh-keygen` (OpenSSH) in a private temp dir.
 *
 *   const keys = await createKeyDir();            // afterAll(() => keys.cleanup())
 *   const user = await keys.clientKey();           // ed25519, no passphrase
 *   const locked = await keys.clientKey({ passphrase: 'sesame' });
 *   const hostKey = await keys.hostKey();           // pass to startSshHost({ hostKey })
 *   await keys.writeKnownHosts('kh', [knownHostsLine('127.0.0.1', port, hostKey.publicKey)]);
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export type KeyType = 'ed25519' | 'rsa';

export interface ClientKey {
  type: KeyType;
  /** Private key file (mode 0600): pass to `ssh -i` or read for ssh2's `privateKey`. */
  privateKeyPath: string;
  publicKeyPath: string;
  /** The private key text (OpenSSH format; encrypted when a passphrase was given). */
  privateKey: string;
  /** One authorized_keys line, without trailing newline. */
  publicKey: string;
  passphrase?: string;
  /** `SHA256:...` as ssh-keygen -l prints it. */
  fingerprint: string;
}

export interface HostKey {
  /** Unencrypted ed25519 private key (OpenSSH format): the value of the container's HOST_KEY_ED25519. */
  privateKey: string;
  /** `ssh-ed25519 AAAA...` (no comment): what a known_hosts line holds. */
  publicKey: string;
  fingerprint: string;
  privateKeyPath: string;
}

export interface KeyDir {
  dir: string;
  clientKey(options?: { type?: KeyType; passphrase?: string; name?: string; comment?: string; bits?: number }): Promise<ClientKey>;
  hostKey(options?: { name?: string }): Promise<HostKey>;
  /** Writes `lines` to `<dir>/<name>` (mode 0600) and returns the path. */
  writeKnownHosts(name: string, lines: string[]): Promise<string>;
  /** Path of a file in the key dir (nothing created). */
  path(name: string): string;
  cleanup(): Promise<void>;
}

let counter = 0;

async function fingerprintOf(publicKeyPath: string): Promise<string> {
  const { stdout } = await run('ssh-keygen', ['-l', '-E', 'sha256', '-f', publicKeyPath]);
  const fp = stdout.split(/\s+/)[1];
  if (!fp?.startsWith('SHA256:')) throw new Error(`unexpected ssh-keygen -l output: ${stdout}`);
  return fp;
}

async function keygen(path: string, type: KeyType, passphrase: string, comment: string, bits?: number): Promise<void> {
  const args = ['-q', '-t', type, '-N', passphrase, '-C', comment, '-f', path];
  if (type === 'rsa') args.push('-b', String(bits ?? 3072));
  await run('ssh-keygen', args);
  await chmod(path, 0o600);
}

/** A fresh temp dir (mode 0700) to hold keys and known_hosts files. */
export async function createKeyDir(prefix = 'clawfix-keys-'): Promise<KeyDir> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  await chmod(dir, 0o700);
  const path = (name: string) => join(dir, name);
  return {
    dir,
    path,
    async clientKey(options = {}) {
      const type = options.type ?? 'ed25519';
      const name = options.name ?? `id_${type}_${++counter}`;
      const privateKeyPath = path(name);
      const publicKeyPath = `${privateKeyPath}.pub`;
      await keygen(privateKeyPath, type, options.passphrase ?? '', options.comment ?? `clawfix-test-${name}`, options.bits);
      return {
        type,
        privateKeyPath,
        publicKeyPath,
        privateKey: await readFile(privateKeyPath, 'utf8'),
        publicKey: (await readFile(publicKeyPath, 'utf8')).trim(),
        ...(options.passphrase !== undefined ? { passphrase: options.passphrase } : {}),
        fingerprint: await fingerprintOf(publicKeyPath),
      };
    },
    async hostKey(options = {}) {
      const name = options.name ?? `host_ed25519_${++counter}`;
      const privateKeyPath = path(name);
      await keygen(privateKeyPath, 'ed25519', '', 'clawfix-test-host');
      const publicKey = (await readFile(`${privateKeyPath}.pub`, 'utf8')).trim().split(/\s+/).slice(0, 2).join(' ');
      return {
        privateKey: await readFile(privateKeyPath, 'utf8'),
        publicKey,
        fingerprint: await fingerprintOf(`${privateKeyPath}.pub`),
        privateKeyPath,
      };
    },
    async writeKnownHosts(name, lines) {
      const file = path(name);
      await writeFile(file, lines.map((l) => `${l}\n`).join(''), { mode: 0o600 });
      return file;
    },
    async cleanup() {
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A known_hosts line as OpenSSH writes it: `[host]:port` unless the port is 22. */
export function knownHostsLine(host: string, port: number, publicKey: string): string {
  const name = port === 22 ? host : `[${host}]:${port}`;
  return `${name} ${publicKey.trim().split(/\s+/).slice(0, 2).join(' ')}`;
}

/** `SHA256:...` of a public key line (`ssh-ed25519 AAAA... [comment]`), computed like ssh-keygen -l. */
export function fingerprintOfPublicKey(publicKey: string): string {
  const blob = publicKey.trim().split(/\s+/)[1];
  if (!blob) throw new Error(`not a public key line: ${publicKey}`);
  const digest = createHash('sha256').update(Buffer.from(blob, 'base64')).digest('base64').replace(/=+$/, '');
  return `SHA256:${digest}`;
}
