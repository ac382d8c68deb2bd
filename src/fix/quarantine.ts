/**
 * Purge without loss: an account's WhatsApp credentials are MOVED (a rename on the same file
 * system) into `<stateDir>/.clawfix/quarantine/<stamp>/<account>/`, never removed, and moved back
 * on rollback only after checking what is where. Nothing else in the state dir is touched.
 */
import { posix } from 'node:path';
import { ACCOUNT_PATTERN } from '../inventory/schema.js';
import { sh, type ShellFragment } from '../shell.js';
import { stateDirGuard } from './lock.js';
import { StepFailed } from './remote.js';

export interface QuarantinePaths {
  /** credentials/whatsapp/<account> */
  source: string;
  /** .clawfix/quarantine/<stamp> */
  dir: string;
  /** .clawfix/quarantine/<stamp>/<account> */
  moved: string;
}

/** A time stamp that is a safe path segment: 2026-11-26T16-46-00Z. */
export function stamp(now = new Date()): string {
  return now.toISOString().replace(/\.\d{3}Z$/, 'Z').replaceAll(':', '-');
}

/**
 * The account id comes from the host's config: a strict pattern, and the paths checked to be where
 * they must be, so `../../../victim` never moves a folder outside the state dir.
 */
export function quarantinePaths(stateDir: string, account: string, at: string): QuarantinePaths {
  if (!ACCOUNT_PATTERN.test(account)) throw new StepFailed(`not an account id clawfix moves credentials for: ${JSON.stringify(account)}; nothing was moved`);
  if (!/^[0-9A-Za-z-]+$/.test(at)) throw new StepFailed(`not a time stamp: ${JSON.stringify(at)}`);
  const dir = `${stateDir}/.clawfix/quarantine/${at}`;
  const paths = { source: `${stateDir}/credentials/whatsapp/${account}`, dir, moved: `${dir}/${account}` };
  for (const [path, parent] of [[paths.source, `${stateDir}/credentials/whatsapp/`], [paths.moved, `${stateDir}/.clawfix/quarantine/`]] as const) {
    if (posix.normalize(path) !== path || !path.startsWith(parent)) throw new StepFailed(`${path} is not inside the state dir ${stateDir}; nothing was moved`);
  }
  return paths;
}

export function quarantineScript(stateDir: string, q: QuarantinePaths): ShellFragment {
  return sh`${stateDirGuard(stateDir)}
if [ ! -e ${q.source} ]; then echo ${`nothing to move: ${q.source} does not exist`}; exit 0; fi
if [ -e ${q.moved} ]; then echo ${`${q.moved} already exists; not overwriting it`} >&2; exit 1; fi
mkdir -p ${q.dir} && chmod 700 ${stateDir}/.clawfix/quarantine ${q.dir} || exit 1
mv ${q.source} ${q.moved} || exit 1
if [ -e ${q.source} ] || [ ! -d ${q.moved} ]; then echo "the move did not complete" >&2; exit 1; fi
echo ${`moved ${q.source} to ${q.moved}`}; ls -1 ${q.moved} | wc -l | sed 's/^ */files: /'`;
}

/**
 * Rollback: the quarantined copy goes back. Whatever a failed login left in its place is moved
 * aside into the same quarantine folder first (again never removed). Does nothing, and says so,
 * when the quarantined copy is not there.
 */
export function restoreScript(q: QuarantinePaths, at: string): ShellFragment {
  const aside = `${q.moved}.replaced-${at}`;
  return sh`if [ ! -d ${q.moved} ]; then echo ${`nothing to restore: ${q.moved} is not there`}; exit 0; fi
if [ -e ${q.source} ]; then
  if [ -z "$(ls -A ${q.source} 2>/dev/null)" ]; then rmdir ${q.source} || exit 1
  else mv ${q.source} ${aside} || exit 1; echo ${`moved what the login left in ${q.source} to ${aside}`}; fi
fi
mkdir -p "$(dirname ${q.source})" && mv ${q.moved} ${q.source} || exit 1
[ -d ${q.source} ] && echo ${`restored ${q.source} from ${q.moved}`}`;
}
