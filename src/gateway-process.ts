/**
 * Which processes are an OpenClaw gateway, in one place for the probe (src/probe/probe.sh holds the
 * same text, checked by a unit test), the start wait and the conflict survey.
 *
 * An awk program over `ps -o …,args=` lines, run with `-v f=<n>`, the field where args begin; it
 * defines gw(), true for a gateway. The command itself must be the gateway (node or bun running
 * OpenClaw, or the CLI under its own process titles), not a command line that merely mentions one: an
 * editor on openclaw-gateway.service, `journalctl -u openclaw-gateway`, or the grep and awk of
 * another clawfix run on the same host are not gateways.
 */
export const GATEWAY_AWK =
  'function gw(  cmd, rest, i) { cmd = $f; sub(/.*\\//, "", cmd); rest = ""; for (i = f; i <= NF; i++) rest = rest " " $i; ' +
  'return cmd ~ /^(node[0-9]*|nodejs|bun|openclaw|clawdbot|moltbot)(-gateway)?$/ && ' +
  'rest ~ /(openclaw|clawdbot|moltbot)-gateway|(openclaw|clawdbot|moltbot)[^ ]* gateway( run| --|$)/ }';

/**
 * The real gateway is titled plain `openclaw` until its run loop starts (10–30 s on a small VPS), as
 * is every other command of the CLI while it runs: a starting gateway, perhaps.
 */
export const STARTING_TITLE_AWK = '$f == "openclaw" && NF == f';
