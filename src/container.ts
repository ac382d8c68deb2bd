/**
 * OpenClaw in a Docker/Podman container (hosts file `openclaw.container`): how commands reach it from
 * the host, running or stopped.
 */
import { sh, type ShellFragment } from './shell.js';

/**
 * Sets $engine to the CLI that knows container `name`: docker, else podman (whose CLI takes the same
 * commands); when neither does, the one installed, so that its own error says why.
 */
export function pickEngine(name: string): ShellFragment {
  return sh`engine=; for e in docker podman; do command -v "$e" >/dev/null 2>&1 || continue; [ -n "$engine" ] || engine=$e
  if "$e" container inspect ${name} >/dev/null 2>&1; then engine=$e; break; fi; done; [ -n "$engine" ] || engine=docker`;
}

/** Labels of the throwaway copies: the container they copy, and the pid of the shell that made them. */
const HELPER_OF = 'org.clawfix.helper-of';
const HELPER_SHELL = 'org.clawfix.helper-shell';

/**
 * Runs a command in OpenClaw's container (docker, else podman) as the container's own user. When the
 * container is not running (stopped, or crash-looping between restarts: its gateway is down), the
 * command runs in a throwaway copy of it: same image, volumes and environment, no network, the way
 * OpenClaw's compose file runs its CLI. So the state dir can be read, and a relink's purge done, while
 * the gateway is down. There the command sees CLAWFIX_CONTAINER_STATE (exited, restarting, paused…)
 * and no gateway.
 * The copy is created first and started attached, so the environment file (the container's variables,
 * API keys among them) lives only until the copy exists, whatever happens next. Copies whose shell is
 * gone (a run killed with SIGKILL, which no trap sees) are removed by the next call; the copy of this
 * call is removed by name (not --rm, which loses the exit status under podman's Docker API).
 */
export function inContainer(name: string, command: ShellFragment): ShellFragment {
  const inner = command.text;
  // pickEngine's search, with the inspect that is needed anyway: one engine call when all is well
  return sh`engine=; info=; for e in docker podman; do command -v "$e" >/dev/null 2>&1 || continue; [ -n "$engine" ] || engine=$e
  if info=$("$e" container inspect -f '{{.State.Status}} {{.Image}} {{.Config.User}}' ${name} 2>/dev/null); then engine=$e; break; fi; info=; done
if [ -z "$info" ]; then why="neither docker nor podman is installed"
  [ -z "$engine" ] || why=$("$engine" container inspect ${name} 2>&1 >/dev/null | head -n 1)
  echo ${`clawfix: cannot inspect container ${name}:`} "$why" >&2; exit 125; fi
set -- $info
if [ "$1" = running ]; then exec "$engine" exec -i ${name} sh -c ${inner}; fi
state=$1; image=$2; user=\${3:-}
"$engine" ps -a --filter ${`label=${HELPER_OF}=${name}`} --format ${`{{.ID}} {{.Label "${HELPER_SHELL}"}}`} 2>/dev/null | while read -r id pid; do
  [ -n "$pid" ] && [ -d "/proc/$pid" ] || "$engine" rm -f "$id" >/dev/null 2>&1; done
helper=${`${name}-clawfix-`}$$; envfile=
cleanup() { [ -z "$envfile" ] || rm -f "$envfile"; "$engine" rm -f "$helper" >/dev/null 2>&1; }
trap 'cleanup; exit 129' HUP; trap 'cleanup; exit 130' INT; trap 'cleanup; exit 143' TERM
envfile=$(umask 077; mktemp "\${TMPDIR:-/tmp}/clawfix-env.XXXXXX") || exit 125
# one NAME=value a line; a variable whose value spans lines is left out (an env file cannot hold it)
"$engine" container inspect -f '{{range .Config.Env}}{{println .}}{{end}}' ${name} \
  | awk '/^[A-Za-z_][A-Za-z0-9_]*=/ { if (held != "") print held; held = $0; next } { held = "" } END { if (held != "") print held }' > "$envfile"
"$engine" create -i --name "$helper" --label ${`${HELPER_OF}=${name}`} --label ${`${HELPER_SHELL}=`}$$ --network none --volumes-from ${name} \
  --env-file "$envfile" -e CLAWFIX_CONTAINER_STATE="$state" \${user:+--user "$user"} --entrypoint sh "$image" -c ${inner} >/dev/null
rc=$?; rm -f "$envfile"; envfile=
[ $rc = 0 ] || { cleanup; exit 125; }
"$engine" start -ai "$helper"
rc=$?; cleanup; exit $rc`;
}
