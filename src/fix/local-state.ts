import { homedir } from 'node:os';
import { join } from 'node:path';

/** `$XDG_STATE_HOME/clawfix`, else `~/.local/state/clawfix`: backups, journals and QR images on the laptop. */
export function localStateDir(): string {
  const base = process.env.XDG_STATE_HOME || join(process.env.HOME || homedir(), '.local', 'state');
  return join(base, 'clawfix');
}

/** Where a host's backups are downloaded: `<state>/backups/<hosts-file name>`. */
export function localBackupDir(hostName: string): string {
  return join(localStateDir(), 'backups', hostName);
}
