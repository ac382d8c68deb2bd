/**
 * For a `conflict` verdict: who else uses these credentials? Looked for from this host: other
 * gateway processes, OpenClaw containers, other state dirs holding the same WhatsApp number.
 * Read-only; the result is listed in the plan and nothing is stopped by clawfix.
 */
import { maskNumbers } from '../mask.js';
import { sh } from '../shell.js';
import type { RemoteHost } from './remote.js';

export function surveyScript(stateDir: string, account: string, mainPid: number | null): string {
  return sh`own=$(sed -n 's/.*"id": *"\\([0-9]*\\)[:@].*/\\1/p' ${`${stateDir}/credentials/whatsapp/${account}/creds.json`} 2>/dev/null | head -n 1)
echo "number=$own"
ps -eo pid=,user=,args= 2>/dev/null | grep -E 'openclaw-gateway|openclaw.* gateway( run|$)' | grep -v grep | while read -r pid user args; do
  [ "$pid" = ${mainPid === null ? '-' : String(mainPid)} ] || echo "process=$pid $user $args"; done
for engine in docker podman; do command -v $engine >/dev/null 2>&1 || continue
  $engine ps --format '{{.Names}} {{.Image}} {{.Status}}' 2>/dev/null | grep -i -E 'openclaw|clawdbot|moltbot' | sed "s/^/container=$engine /"; done
for c in /root/.openclaw*/credentials/whatsapp/*/creds.json /home/*/.openclaw*/credentials/whatsapp/*/creds.json; do
  [ -r "$c" ] || continue; case "$c" in ${stateDir}/*) continue;; esac
  n=$(sed -n 's/.*"id": *"\\([0-9]*\\)[:@].*/\\1/p' "$c" | head -n 1); [ -n "$own" ] && [ "$n" = "$own" ] && echo "statedir=$c"; done; exit 0`.text;
}

export function parseSurvey(stdout: string): string[] {
  const found: string[] = [];
  for (const line of stdout.split('\n')) {
    const [key, ...rest] = line.split('=');
    const value = rest.join('=').trim().slice(0, 200);
    if (key === 'process') found.push(`another gateway process on this host: ${value}`);
    if (key === 'container') found.push(`an OpenClaw container on this host: ${value}`);
    if (key === 'statedir') found.push(`another state dir with the same number: ${value}`);
  }
  return found.map(maskNumbers);
}

export async function surveyOtherInstances(remote: RemoteHost): Promise<string[]> {
  const t = remote.target;
  const result = await remote.run({ as: 'service', script: surveyScript(t.stateDir, t.account, t.gateway.pid), timeoutMs: 30_000 });
  return parseSurvey(remote.clean(result.stdout));
}
