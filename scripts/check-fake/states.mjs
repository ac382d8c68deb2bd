// The prepared states, made the same way for both CLIs: the real install's onboarded state dir
// (scripts/real-openclaw.sh's template, paths already /home/openclaw) plus what a check asks for.
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export const HOME = '/home/openclaw';
export const STATE_DIR = `${HOME}/.openclaw`;
/** Where clawfix puts backups (src/fix/backup-dir.ts: XDG state dir, a subdir named after the state dir). */
export const BACKUP_DIR = `${HOME}/.local/state/clawfix/backups/openclaw-${crypto.createHash('sha256').update(STATE_DIR).digest('hex').slice(0, 8)}`;
/** Where clawfix kept backups before: inside the state dir, which the real CLI refuses. */
export const LEGACY_BACKUP_DIR = `${STATE_DIR}/.clawfix/backups`;

const STATES = {
  /** onboarded, WhatsApp plugin installed, no WhatsApp channel config */
  'not-configured': [],
  /** WhatsApp configured (as docker/sshd/scenarios/real-openclaw.sh does), not linked, no gateway */
  configured: ['whatsapp'],
  /** the same with linked credentials (the fake's Baileys-shaped creds.json) */
  linked: ['whatsapp', 'creds'],
};

/**
 * What every prepared state shares within one run, made once so that both CLIs get the same bytes:
 * linked credentials (the fake's Baileys-shaped creds.json and key files, random on each call).
 */
export async function makeShared(dir, fakePkg) {
  const { writeLinkedAuth } = await import(path.join(fakePkg, 'fake/whatsapp.mjs'));
  writeLinkedAuth(path.join(dir, 'linked-auth'), { e164: '+447700900123', name: 'Alex' });
}

/** Wipes HOME and the CLIs' temp dirs, unpacks the template and applies the state's steps. */
export async function prepare(name, { template, shared }) {
  const steps = STATES[name];
  if (!steps) throw new Error(`unknown state ${name}`);
  for (const dir of [HOME, '/tmp/openclaw', '/tmp/openclaw-0', '/tmp/openclaw-state-locks-0']) fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(HOME, { recursive: true });
  execFileSync('tar', ['-C', HOME, '-xf', template]);
  fs.mkdirSync(BACKUP_DIR, { recursive: true, mode: 0o700 });
  // No network in the sandbox, and a resolver that cannot be reached: the fake's WhatsApp is told so
  // (the real one finds out by itself).
  fs.mkdirSync(`${STATE_DIR}/.fake`, { recursive: true });
  const error = 'WebSocket Error (getaddrinfo EAI_AGAIN web.whatsapp.com)';
  fs.writeFileSync(`${STATE_DIR}/.fake/whatsapp.json`, JSON.stringify({ accounts: { default: { mode: 'dns', error } } }));
  if (steps.includes('whatsapp')) {
    const file = `${STATE_DIR}/openclaw.json`;
    const cfg = JSON.parse(fs.readFileSync(file, 'utf8'));
    cfg.channels = { ...cfg.channels, whatsapp: { dmPolicy: 'pairing', allowFrom: ['+15550001111'] } };
    fs.writeFileSync(file, `${JSON.stringify(cfg, null, 2)}\n`, { mode: 0o600 });
  }
  if (steps.includes('creds')) {
    fs.mkdirSync(`${STATE_DIR}/credentials/whatsapp`, { recursive: true, mode: 0o700 });
    fs.cpSync(path.join(shared, 'linked-auth'), `${STATE_DIR}/credentials/whatsapp/default`, { recursive: true });
  }
}
