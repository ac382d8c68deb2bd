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

/**
 * Runs a command in OpenClaw's container (docker, else podman) as the container's own user. When the
 * container is stopped (its gateway is), the command runs in a throwaway container of the same image
 * with the same volumes and environment, no network, the way OpenClaw's compose file runs its CLI: so
 * the state dir can be read, and a relink's purge done, while the gateway is down. There the command
 * sees CLAWFIX_CONTAINER_STOPPED=1 and no gateway. The environment file holds the container's
 * variables (API keys among them): private, and removed as soon as the command ends. The copy is
 * removed by name afterwards rather than with --rm, which loses the exit status under podman's
 * Docker API.
 */
export function inContainer(name: string, command: ShellFragment): ShellFragment {
  const inner = command.text;
  // pickEngine's search, with the inspect that is needed anyway: one engine call when all is well
  return sh`engine=; info=; for e in docker podman; do command -v "$e" >/dev/null 2>&1 || continue; [ -n "$engine" ] || engine=$e
  if info=$("$e" container inspect -f '{{.State.Running}} {{.Image}} {{.Config.User}}' ${name} 2>/dev/null); then engine=$e; break; fi; info=; done
if [ -z "$info" ]; then why="neither docker nor podman is installed"
  [ -z "$engine" ] || why=$("$engine" container inspect ${name} 2>&1 >/dev/null | head -n 1)
  echo ${`clawfix: cannot inspect container ${name}:`} "$why" >&2; exit 125; fi
set -- $info
if [ "$1" = true ]; then exec "$engine" exec -i ${name} sh -c ${inner}; fi
image=$2; user=\${3:-}
envfile=$(umask 077; mktemp "\${TMPDIR:-/tmp}/clawfix-env.XXXXXX") || exit 125
"$engine" container inspect -f '{{range .Config.Env}}{{println .}}{{end}}' ${name} > "$envfile" || { rm -f "$envfile"; exit 125; }
helper=${`${name}-clawfix-`}$$
cleanup() { rm -f "$envfile"; "$engine" rm -f "$helper" >/dev/null 2>&1; }
trap 'cleanup; exit 129' HUP; trap 'cleanup; exit 130' INT; trap 'cleanup; exit 143' TERM
"$engine" run -i --name "$helper" --network none --volumes-from ${name} --env-file "$envfile" -e CLAWFIX_CONTAINER_STOPPED=1 \${user:+--user "$user"} --entrypoint sh "$image" -c ${inner}
rc=$?; cleanup; exit $rc`;
}
