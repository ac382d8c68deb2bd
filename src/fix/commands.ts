/**
 * The remote commands of every remedy, as data (pure). Each is shell text built with `sh`, so every
 * value from the hosts file or the host is quoted, plus who runs it: the service user (in its
 * container, if any) or the SSH login user on the host itself (system units, containers, linger).
 */
import { pickEngine } from '../container.js';
import { GATEWAY_AWK, STARTING_TITLE_AWK } from '../gateway-process.js';
import { ShellFragment, sh } from '../shell.js';
import { DEFAULT_UNIT, type FixTarget } from './target.js';

export interface RemoteCommand {
  /** 'service': as OpenClaw's user / inside its container; 'login': as the SSH user on the host. */
  as: 'service' | 'login';
  script: string;
  timeoutMs?: number;
}

export type GatewayVerb = 'start' | 'stop' | 'restart';

/** How long a gateway may take to listen after a start (the real one needs 30–90 s). */
export const GATEWAY_START_TIMEOUT_S = 120;
export const GATEWAY_STOP_TIMEOUT_S = 30;

const service = (script: ShellFragment, timeoutMs?: number): RemoteCommand => ({ as: 'service', script: script.text, ...(timeoutMs ? { timeoutMs } : {}) });
const login = (script: ShellFragment, timeoutMs?: number): RemoteCommand => ({ as: 'login', script: script.text, ...(timeoutMs ? { timeoutMs } : {}) });

/** `openclaw …` for this host: its profile and, when the hosts file names one, its state dir. */
export function openclaw(t: FixTarget, ...args: string[]): ShellFragment {
  const profile = t.host.openclaw.profile ? ['--profile', t.host.openclaw.profile] : [];
  const env = t.host.openclaw.stateDir ? sh`OPENCLAW_STATE_DIR=${t.stateDir} ` : sh``;
  return sh`${env}${[t.openclawBin, ...profile, ...args]}`;
}

/**
 * Prepended to every service-user command. The dir of the openclaw the probe found comes first (its
 * `node` and helpers belong with it), then the session's PATH, as in the probe (probe.sh says why);
 * the well-known dirs last, since non-interactive shells often lack the npm/nvm PATH.
 */
export function preamble(t: FixTarget): ShellFragment {
  const found = t.openclawBin.includes('/') ? sh`${t.openclawBin.slice(0, t.openclawBin.lastIndexOf('/'))}:` : sh``;
  return sh`PATH=${found}"$PATH:$HOME/.npm-global/bin:$HOME/.local/bin:/usr/local/bin:/usr/bin:/bin"; export PATH; `;
}

const unit = (t: FixTarget) => t.gateway.serviceName ?? DEFAULT_UNIT;

/** Where a system unit's file may be; the login user looks there itself before `sudo systemctl`. */
const SYSTEM_UNIT_DIRS = ['/etc/systemd/system', '/lib/systemd/system', '/usr/lib/systemd/system'];

/**
 * `sudo -n systemctl <verb>` on a system unit whose name the probe reported as OpenClaw's user: it
 * passed systemdUnitSchema (openclaw*.service) when parsed, and here the login user checks that such
 * a unit file exists where systemd reads system units, so a forged name never reaches root.
 */
function systemUnitCommand(t: FixTarget, verb: GatewayVerb): ShellFragment {
  const name = unit(t);
  const files = SYSTEM_UNIT_DIRS.map((dir) => `${dir}/${name}`);
  return sh`found=; for f in ${files}; do [ -f "$f" ] && found=1; done
[ -n "$found" ] || { echo ${`clawfix: refused: ${name} is not a system unit on this host (${SYSTEM_UNIT_DIRS.join(', ')})`} >&2; exit 1; }
sudo -n systemctl ${verb} -- ${name}`;
}

/** Images OpenClaw's containers run (the probe's own filter): what a discovered container must show. */
const OPENCLAW_IMAGE = 'openclaw|clawdbot|moltbot';

/**
 * Sets $engine for container `name` and, when the name was discovered by the probe rather than named
 * in the hosts file, refuses unless the login user's own engine shows that container running one of
 * OpenClaw's images: `docker start prod-postgres` is never run on a host's say-so.
 */
function containerEngine(t: FixTarget, name: string): ShellFragment {
  if (t.gateway.serviceNameFrom === 'hosts-file') return pickEngine(name);
  return sh`${pickEngine(name)}
image=$("$engine" container inspect -f '{{.Config.Image}}' -- ${name} 2>/dev/null)
printf '%s\n' "$image" | grep -qiE ${OPENCLAW_IMAGE} || { echo ${`clawfix: refused: container ${name} does not run an OpenClaw image (`}"$image"'); name it as openclaw.container in the hosts file if it is OpenClaw' >&2; exit 1; }`;
}

/** Exit 0 when something listens on TCP `port` here (the kernel's tables: no ss or netstat needed). */
function portListening(port: number): ShellFragment {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  return sh`cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | awk -v p=${`:${hex}`} '$2 ~ p"$" && $4 == "0A" {found=1} END {exit !found}'`;
}

/** Stops the gateway by the pid its lock names (SIGTERM, then waits and checks); never SIGKILL. */
export function stopProcess(t: FixTarget): ShellFragment {
  const fallback = t.gateway.pid === null ? '' : String(t.gateway.pid);
  const locks = sh`${t.stateDir}/tmp/openclaw-*/gateway.*.lock`;
  return sh`pids=$(sed -n 's/.*"pid": *\\([0-9][0-9]*\\).*/\\1/p' ${locks} 2>/dev/null | sort -u); [ -n "$pids" ] || pids=${fallback}
live=; for p in $pids; do case "$(ps -o args= -p "$p" 2>/dev/null)" in *openclaw*) live="$live $p";; esac; done
if [ -z "$live" ]; then echo "no gateway process is running"; exit 0; fi
echo "sending SIGTERM to gateway pid$live"; kill -TERM $live
i=0; while [ $i -lt ${GATEWAY_STOP_TIMEOUT_S * 10} ]; do left=; for p in $live; do kill -0 "$p" 2>/dev/null && left="$left $p"; done
  if [ -z "$left" ]; then echo "gateway stopped"; exit 0; fi; sleep 0.1; i=$((i+1)); done
echo "gateway pid$left still running after ${GATEWAY_STOP_TIMEOUT_S} s" >&2; exit 1`;
}

/**
 * A bare gateway, started the way a supervisor-less host runs it; setsid keeps it out of our session.
 * Its stderr goes to a private temp file that waitListening reads if the start fails (same script).
 */
export function startProcess(t: FixTarget): ShellFragment {
  return sh`cd "$HOME" 2>/dev/null || cd /; set -- ${openclaw(t, 'gateway', 'run')}; command -v setsid >/dev/null 2>&1 && set -- setsid "$@"
gw_err=$(mktemp "\${TMPDIR:-/tmp}/clawfix-gateway.XXXXXX" 2>/dev/null) || gw_err=/dev/null
nohup "$@" </dev/null >/dev/null 2>"$gw_err" &
gw_pid=$!
echo "started openclaw gateway run (pid $gw_pid)"`;
}

/**
 * Shell functions gw_starting, which succeeds while there is a gateway (still) to wait for, and
 * gw_said, which prints its last words when it is gone (its unit's journal; a bare process's stderr
 * is kept by startProcess instead).
 */
function gatewayStarting(t: FixTarget): ShellFragment {
  const processes = sh`ps -eo args= 2>/dev/null | awk -v f=1 ${`${GATEWAY_AWK} gw() || ${STARTING_TITLE_AWK} { found = 1 } END { exit !found }`}`;
  // a unit waiting to be restarted (Restart=, SubState auto-restart) has exited: a crash loop, not a start
  const unitState = (systemctl: ShellFragment) =>
    sh`case "$(${systemctl} show -p ActiveState -p SubState ${unit(t)} 2>/dev/null | tr '\\n' ' ')" in *SubState=auto-restart*) false;; *ActiveState=activ*|*ActiveState=reloading*) true;; *ActiveState=failed*|*ActiveState=inactive*|*ActiveState=deactivating*) false;; *) ${processes};; esac`;
  switch (t.gateway.manager) {
    case 'systemd-user':
      return sh`gw_starting() { if [ -d /run/systemd/system ]; then ${unitState(sh`XDG_RUNTIME_DIR=/run/user/$(id -u) systemctl --user`)}; else ${processes}; fi; }
gw_said() { XDG_RUNTIME_DIR=/run/user/$(id -u) journalctl --user -u ${unit(t)} -n 5 --no-pager -o cat 2>/dev/null | cut -c1-300; }`;
    case 'systemd-system':
      return sh`gw_starting() { ${unitState(sh`systemctl`)}; }
gw_said() { journalctl -u ${unit(t)} -n 5 --no-pager -o cat 2>/dev/null | cut -c1-300; }`;
    default:
      return sh`gw_starting() { ${processes}; }
gw_said() { :; }`;
  }
}

/**
 * Waits until the gateway listens on its port; fails early when the gateway is gone: at once when
 * startProcess ran just before in the same script and its pid exited (then with what it said on
 * stderr; other gateways on the host do not count); under systemd when its unit is neither active
 * nor activating, or waits to be restarted after a crash (Restart=); else when no gateway
 * process is left after 10 s. The real gateway is titled plain `openclaw` until its run loop starts,
 * which takes 10–30 s on a small VPS, so that title counts as a gateway starting.
 * The temp file is removed either way: a gateway that runs keeps writing to the unlinked file
 * (stderr only; its console lines go to stdout), which is freed when it exits.
 */
export function waitListening(t: FixTarget, timeoutS = GATEWAY_START_TIMEOUT_S): ShellFragment {
  const port = t.gateway.port;
  return sh`i=0
gw_end() { if [ -n "\${gw_err:-}" ] && [ "$gw_err" != /dev/null ]; then [ "$1" = 0 ] || tail -n 5 "$gw_err" | cut -c1-300 >&2; rm -f "$gw_err"; fi; exit "$1"; }
gw_gone() { [ -n "\${gw_pid:-}" ] && { ! kill -0 "$gw_pid" 2>/dev/null || grep -q '^State:[[:space:]]*Z' "/proc/$gw_pid/status" 2>/dev/null; }; }
${gatewayStarting(t)}
while [ $i -lt ${timeoutS * 2} ]; do
  ${portListening(port)} && { echo "gateway listening on port ${port}"; gw_end 0; }
  if gw_gone || { [ -z "\${gw_pid:-}" ] && [ $i -ge 20 ] && ! gw_starting; }; then echo "the gateway process exited during start-up" >&2; [ -n "\${gw_err:-}" ] || gw_said >&2; gw_end 1; fi
  sleep 0.5; i=$((i+1)); done
echo "gateway not listening on port ${port} after ${timeoutS} s" >&2; gw_end 1`;
}

/** The command that starts/stops/restarts the gateway the way it is managed on this host. */
export function controlCommand(t: FixTarget, verb: GatewayVerb): RemoteCommand {
  const name = t.gateway.serviceName;
  switch (t.gateway.manager) {
    case 'systemd-user':
      // Without a running systemd (some containers), OpenClaw's own service command is the manager.
      // Right after enable-linger the user manager is still starting: a start waits (bounded) for its socket.
      return service(
        sh`if [ -d /run/systemd/system ]; then i=${verb === 'stop' ? 100 : 0}; while [ ! -S /run/user/$(id -u)/systemd/private ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
  XDG_RUNTIME_DIR=/run/user/$(id -u) systemctl --user ${verb} ${unit(t)}; else ${openclaw(t, 'gateway', verb, ...(verb === 'stop' ? ['--force'] : []))}; fi`,
        (GATEWAY_START_TIMEOUT_S + 10) * 1000,
      );
    case 'systemd-system':
      return login(systemUnitCommand(t, verb), (GATEWAY_START_TIMEOUT_S + 10) * 1000);
    case 'container':
      return login(sh`${containerEngine(t, name ?? 'openclaw')}
"$engine" ${verb} -- ${name ?? 'openclaw'}`, 120_000);
    case 'pm2':
      return service(sh`pm2 ${verb} ${name ?? 'openclaw'}`, 60_000);
    case 'process':
    case 'none':
      if (verb === 'stop') return service(stopProcess(t), (GATEWAY_STOP_TIMEOUT_S + 10) * 1000);
      if (verb === 'start') return service(startProcess(t), 30_000);
      return service(sh`(${stopProcess(t)}) || exit 1\n${startProcess(t)}`, (GATEWAY_STOP_TIMEOUT_S + 40) * 1000);
  }
}

/**
 * Waits on the host until the gateway in its container listens; fails at once, with the container's
 * last log lines (the gateway's own error), when the container stops (or restarts, crash-looping)
 * during start-up.
 */
export function waitContainerListening(t: FixTarget, timeoutS = GATEWAY_START_TIMEOUT_S): ShellFragment {
  const name = t.gateway.serviceName ?? 'openclaw';
  const port = t.gateway.port;
  const listening = portListening(port);
  return sh`${containerEngine(t, name)}; i=0
while [ $i -lt ${timeoutS * 2} ]; do
  state=$("$engine" container inspect -f '{{.State.Status}}' ${name} 2>/dev/null)
  if [ "$state" != running ]; then
    echo ${`the container ${name} stopped during start-up (`}"$state"'); its last lines:' >&2; "$engine" logs --tail 5 ${name} 2>&1 | cut -c1-300 >&2; exit 1; fi
  "$engine" exec ${name} sh -c ${listening.text} 2>/dev/null && { echo ${`gateway listening on port ${port}`}; exit 0; }
  sleep 0.5; i=$((i+1)); done
echo ${`gateway not listening on port ${port} after ${timeoutS} s`} >&2; exit 1`;
}

/** The whole gateway action: the control command, then (unless stopping) the wait for its port. */
export function gatewayCommands(t: FixTarget, verb: GatewayVerb): RemoteCommand[] {
  const control = controlCommand(t, verb);
  if (verb === 'stop') return [control];
  const waitMs = (GATEWAY_START_TIMEOUT_S + 10) * 1000;
  // A bare process is started and watched by one script: the wait knows its pid and its stderr.
  if (t.gateway.manager === 'process' || t.gateway.manager === 'none') {
    return [service(sh`${new ShellFragment(control.script)}\n${waitListening(t)}`, (control.timeoutMs ?? 0) + waitMs)];
  }
  if (t.gateway.manager === 'container') return [control, login(waitContainerListening(t), waitMs)];
  return [control, service(waitListening(t), waitMs)];
}

/** Exit 0 when a gateway of this state dir (its lock's pid) or of this user is running. */
export function gatewayAlive(t: FixTarget): ShellFragment {
  const locks = sh`${t.stateDir}/tmp/openclaw-*/gateway.*.lock`;
  // This state dir's gateway only: its lock's pid, or its port. Other gateways of the same user
  // (profiles, other state dirs) are not ours to judge.
  // A stopped container's copy (inContainer) runs no gateway, whatever pid its stale lock names.
  return sh`[ -z "\${CLAWFIX_CONTAINER_STATE:-}" ] || exit 1
for p in $(sed -n 's/.*"pid": *\\([0-9][0-9]*\\).*/\\1/p' ${locks} 2>/dev/null | sort -u); do
  case "$(ps -o args= -p "$p" 2>/dev/null)" in *openclaw*) exit 0;; esac; done
${portListening(t.gateway.port)}`;
}

export function enableLinger(t: FixTarget): RemoteCommand {
  const user = t.serviceUser;
  // For oneself logind asks polkit, which minimal servers lack: then sudo, as for another user.
  return login(sh`{ [ "$(id -un)" = ${user} ] && loginctl enable-linger -- ${user} 2>/dev/null; } || sudo -n loginctl enable-linger -- ${user}`, 30_000);
}

export function disableLinger(t: FixTarget): RemoteCommand {
  const user = t.serviceUser;
  return login(sh`{ [ "$(id -un)" = ${user} ] && loginctl disable-linger -- ${user} 2>/dev/null; } || sudo -n loginctl disable-linger -- ${user}`, 30_000);
}

/** `doctor --fix` reinstalls a missing plugin; an explicit install is the fallback it names itself. */
export function repairPlugin(t: FixTarget): RemoteCommand {
  return service(
    sh`${openclaw(t, 'doctor', '--fix', '--non-interactive')} || ${openclaw(t, 'plugins', 'install', '@openclaw/whatsapp')}`,
    300_000,
  );
}

export function channelsStatus(t: FixTarget, timeoutMs = 5000): RemoteCommand {
  return service(sh`${openclaw(t, 'channels', 'status', '--json', '--timeout', String(timeoutMs))}`, timeoutMs + 30_000);
}

export function loginCommand(t: FixTarget): RemoteCommand {
  return service(sh`${openclaw(t, 'channels', 'login', '--channel', 'whatsapp', '--account', t.account)}`);
}
