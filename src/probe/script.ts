/*
 * The read-only evidence probe: one POSIX sh script, sent on stdin to one exec, whose sectioned
 * output is parsed locally (parse.ts). It never writes anything on the host. It reads files rather
 * than asking the openclaw CLI wherever a file tells the same, because each CLI call costs about a
 * second and 280 MB there, and `channels status` blocks for a minute when no gateway runs.
 *
 * Parameters arrive as environment variables set (and quoted) on the command line by run.ts:
 *   CF_STATE_DIR  state dir from the hosts file, or empty
 *   CF_PROFILE    profile from the hosts file, or empty
 *   CF_DEEP       1 to add --probe to `channels status`
 * one from the session's own environment, set by the host and never by clawfix:
 *   CF_ROOT       unset on real hosts. The demo's simulated hosts and the tests set it to a dir of their
 *                 own (absolute, no spaces) that stands for `/` wherever the probe looks outside HOME and
 *                 the state dir: other users' state dirs, /tmp/openclaw*, systemd units, /run/systemd,
 *                 the linger dir. What cannot be rooted is left out: the machine's logind and container
 *                 engines are not asked, and only the probe user's own processes are listed.
 * and one on stdin, in front of this text, because it must not show in a process list:
 *   CF_HASH_KEY   this run's key for the hashes of the accounts' own numbers
 */
import { readFileSync } from 'node:fs';

export const PROBE_SCRIPT = readFileSync(new URL('./probe.sh', import.meta.url), 'utf8');
