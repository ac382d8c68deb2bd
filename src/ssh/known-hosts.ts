/**
 * known_hosts the way OpenSSH reads it (hostfile.c, sshconnect.c): pure parsing and lookup.
 * Reading and appending files lives in known-hosts-store.ts.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { quote } from '../shell.js';
import { matchPatternList } from './patterns.js';

export type KnownHostsMarker = 'revoked' | 'cert-authority';

export interface KnownHostsEntry {
  file: string;
  line: number;
  marker?: KnownHostsMarker;
  /** The host field as written: comma-separated patterns, or one hashed `|1|salt|hash`. */
  hosts: string;
  keyType: string;
  key: Buffer;
}

export interface KnownHostsFile {
  file: string;
  entries: KnownHostsEntry[];
  /** Lines ssh would skip too; kept so `clawfix hosts` can say why a key was not found. */
  skipped: { line: number; reason: string }[];
}

export interface StoredKey {
  type: string;
  fingerprint: string;
  file: string;
  line: number;
}

export type HostKeyLookup =
  | { status: 'known'; file: string; line: number }
  | { status: 'unknown' }
  | { status: 'revoked'; file: string; line: number }
  | {
      status: 'changed';
      /** false: only keys of other algorithms are known (ssh refuses those too, see lookupHostKey). */
      sameType: boolean;
      stored: StoredKey[];
    };

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const HASH_MAGIC = '|1|';
const SHA1_LENGTH = 20;

/** The key algorithm written inside an SSH public key blob (its first length-prefixed string). */
export function keyTypeOf(blob: Buffer): string | undefined {
  if (blob.length < 4) return undefined;
  const length = blob.readUInt32BE(0);
  if (length === 0 || length > 64 || blob.length < 4 + length) return undefined;
  return blob.subarray(4, 4 + length).toString('latin1');
}

/** `SHA256:` + unpadded base64, exactly as `ssh-keygen -l` and ssh's warnings print it. */
export function fingerprintSha256(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** The name ssh looks up and records: `host` on port 22, `[host]:port` otherwise. */
export function knownHostsName(host: string, port: number): string {
  const lower = host.toLowerCase();
  return port === 22 ? lower : `[${lower}]:${port}`;
}

function decodeBase64(text: string): Buffer | undefined {
  return BASE64.test(text) ? Buffer.from(text, 'base64') : undefined;
}

function parseMarker(word: string): KnownHostsMarker | 'bad' {
  if (word === '@revoked') return 'revoked';
  if (word === '@cert-authority') return 'cert-authority';
  return 'bad';
}

export function parseKnownHosts(text: string, file: string): KnownHostsFile {
  const entries: KnownHostsEntry[] = [];
  const skipped: KnownHostsFile['skipped'] = [];
  text.split('\n').forEach((raw, index) => {
    const line = index + 1;
    const trimmed = raw.replace(/\r$/, '').trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const words = trimmed.split(/[ \t]+/);
    let marker: KnownHostsMarker | undefined;
    if (words[0]?.startsWith('@')) {
      const parsed = parseMarker(words.shift() ?? '');
      if (parsed === 'bad') return void skipped.push({ line, reason: 'unknown marker' });
      marker = parsed;
    }
    const [hosts, keyType, encoded] = words;
    if (hosts === undefined || keyType === undefined || encoded === undefined) {
      return void skipped.push({ line, reason: 'missing fields' });
    }
    if (/^\d+$/.test(keyType)) return void skipped.push({ line, reason: 'SSH-1 RSA key (unsupported)' });
    const key = decodeBase64(encoded);
    if (key === undefined || keyTypeOf(key) !== keyType) {
      return void skipped.push({ line, reason: 'invalid key' });
    }
    if (hosts.startsWith(HASH_MAGIC) && parseHashed(hosts) === undefined) {
      return void skipped.push({ line, reason: 'invalid hashed host name' });
    }
    entries.push({ file, line, ...(marker ? { marker } : {}), hosts, keyType, key });
  });
  return { file, entries, skipped };
}

function parseHashed(field: string): { salt: Buffer; hash: Buffer } | undefined {
  const parts = field.slice(HASH_MAGIC.length).split('|');
  if (parts.length !== 2) return undefined;
  const salt = decodeBase64(parts[0] ?? '');
  const hash = decodeBase64(parts[1] ?? '');
  if (salt?.length !== SHA1_LENGTH || hash?.length !== SHA1_LENGTH) return undefined;
  return { salt, hash };
}

function hmacName(salt: Buffer, name: string): Buffer {
  return createHmac('sha1', salt).update(name).digest();
}

/** Whether a known_hosts host field (hashed or a pattern list) names `name` (from knownHostsName). */
export function hostFieldMatches(field: string, name: string): boolean {
  if (field.startsWith(HASH_MAGIC)) {
    const hashed = parseHashed(field);
    return hashed !== undefined && timingSafeEqual(hmacName(hashed.salt, name), hashed.hash);
  }
  return matchPatternList(name, field.split(',')) === 'match';
}

/** `|1|salt|hash` as written by `HashKnownHosts yes`. */
export function hashKnownHostsName(name: string, salt: Buffer = randomBytes(SHA1_LENGTH)): string {
  return `${HASH_MAGIC}${salt.toString('base64')}|${hmacName(salt, name).toString('base64')}`;
}

/** One hashed known_hosts line (without the newline) for `host`:`port`. */
export function formatKnownHostsLine(host: string, port: number, key: Buffer, salt?: Buffer): string {
  const type = keyTypeOf(key);
  if (type === undefined) throw new Error('not an SSH public key blob');
  return `${hashKnownHostsName(knownHostsName(host, port), salt)} ${type} ${key.toString('base64')}`;
}

function* entriesFor(files: readonly KnownHostsFile[], host: string, port: number): Generator<KnownHostsEntry> {
  const name = knownHostsName(host, port);
  for (const file of files) {
    for (const entry of file.entries) {
      // CA lines vouch for certificates, which ssh2 never negotiates as host keys.
      if (entry.marker === 'cert-authority') continue;
      if (hostFieldMatches(entry.hosts, name)) yield entry;
    }
  }
}

/**
 * Checks an offered host key as ssh does with all its known_hosts files at once: a matching
 * `@revoked` line wins, then any line with this very key. A different key of the same algorithm is
 * "changed". When only other algorithms are known, OpenSSH would first have preferred those
 * algorithms in key exchange (connect does the same), so a server offering none of them is
 * treated as changed as well rather than silently trusted.
 */
export function lookupHostKey(files: readonly KnownHostsFile[], host: string, port: number, key: Buffer): HostKeyLookup {
  const offeredType = keyTypeOf(key);
  let known: KnownHostsEntry | undefined;
  const sameType: KnownHostsEntry[] = [];
  const otherType: KnownHostsEntry[] = [];
  for (const entry of entriesFor(files, host, port)) {
    const same = entry.key.equals(key);
    if (entry.marker === 'revoked') {
      if (same) return { status: 'revoked', file: entry.file, line: entry.line };
      continue;
    }
    if (same) known ??= entry;
    else (entry.keyType === offeredType ? sameType : otherType).push(entry);
  }
  if (known) return { status: 'known', file: known.file, line: known.line };
  const stored = sameType.length > 0 ? sameType : otherType;
  if (stored.length === 0) return { status: 'unknown' };
  return {
    status: 'changed',
    sameType: sameType.length > 0,
    stored: stored.map((e) => ({ type: e.keyType, fingerprint: fingerprintSha256(e.key), file: e.file, line: e.line })),
  };
}

/** Key algorithms already recorded for the host, in file order (to prefer them in key exchange). */
export function knownKeyTypes(files: readonly KnownHostsFile[], host: string, port: number): string[] {
  const types: string[] = [];
  for (const entry of entriesFor(files, host, port)) {
    if (entry.marker === undefined && !types.includes(entry.keyType)) types.push(entry.keyType);
  }
  return types;
}

/** The command that removes the stale line(s), as ssh itself suggests. */
export function removeKnownHostCommand(host: string, port: number, file: string): string {
  return `ssh-keygen -R ${quote(knownHostsName(host, port))} -f ${quote(file)}`;
}
