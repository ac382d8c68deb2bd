#!/usr/bin/env bash
# Differential check of the fake openclaw (docker/openclaw) against the real CLI: every command
# clawfix sends (scripts/check-fake/checks.mjs), run by both on the same prepared state, compared on
# exit code, stdout/stderr, files written and refusals. Prints a report; exits 1 on any mismatch.
#
# The real CLI comes from scripts/real-openclaw.sh (installed there if needed: the npm registry). Both
# CLIs run in sandboxes with loopback only and private /tmp, /home and /run (check-fake/sandbox.sh):
# nothing reaches the network, the machine's /tmp/openclaw or any real HOME. Four lanes run in
# parallel, each in its own sandbox: each CLI's gateway and each CLI's other checks (the real CLI uses
# 5-40 s of CPU per command, its gateway a core for a minute: two real lanes keep 2 cores busy).
#
# Env: CLAWFIX_REAL_OPENCLAW_DIR (the install, see real-openclaw.sh), CHECK_FAKE_DIR (scratch, default
#      a new temp dir; kept on failure for the captures), CHECK_FAKE_SLOW=1 (also the slow checks).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
here="$repo/scripts/check-fake"
log() { printf '[check-fake] %s\n' "$*" >&2; }
started=$(date +%s)

if ! unshare --map-root-user --net --mount true 2>/dev/null || ! command -v ip >/dev/null; then
  log "cannot make a sandbox without network here: needs unshare (util-linux) with user namespaces, and ip (iproute2)."
  log "the real CLI is never run with network access; not checking."
  exit 1
fi

real_dir=$(bash "$repo/scripts/real-openclaw.sh")
scratch=${CHECK_FAKE_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/clawfix-check-fake.XXXXXX")}
capture="$scratch/capture"
rm -rf "$capture" "$scratch"/lane-*
mkdir -p "$capture" "$scratch/compile-cache"

fake_pkg="$repo/docker/openclaw/lib/node_modules/openclaw"
export CHECK_FAKE_NODE="$real_dir/node_modules/node/bin/node"
export CHECK_FAKE_TEMPLATE="$real_dir/state-template.tar" CHECK_FAKE_SHARED="$scratch/shared"
# Node's compile cache, kept between lanes and runs: the real CLI starts several times faster with it
export NODE_COMPILE_CACHE="$scratch/compile-cache"

lane() { # side lane-kind lane-name
  local cli="$real_dir/node_modules/openclaw/openclaw.mjs"
  [ "$1" = fake ] && cli="$fake_pkg/openclaw.mjs"
  CHECK_FAKE_CLI="$cli" bash "$here/sandbox.sh" "$scratch/lane-$3" "$repo" "$real_dir" "$scratch" -- \
    "$CHECK_FAKE_NODE" "$here/run.mjs" "$capture" "$1" "$2" 2>"$scratch/lane-$3.log" || log "lane $3 failed (see $scratch/lane-$3.log)"
}
# the linked credentials both CLIs get (random bytes, made once)
rm -rf "$CHECK_FAKE_SHARED"
"$CHECK_FAKE_NODE" --input-type=module -e "await (await import('$here/states.mjs')).makeShared(process.argv[1], process.argv[2])" "$CHECK_FAKE_SHARED" "$fake_pkg"
log "real: $real_dir; captures in $capture"
lane real gateway real-gateway & pids=($!)
lane real plain real & pids+=($!)
lane fake gateway fake-gateway & pids+=($!)
lane fake plain fake & pids+=($!)
wait "${pids[@]}"

set +e
"$CHECK_FAKE_NODE" "$here/compare.mjs" "$capture" | tee "$scratch/report.txt"
rc=${PIPESTATUS[0]}
log "done in $(( $(date +%s) - started ))s; report: $scratch/report.txt"
[ "$rc" != 0 ] || [ -n "${CHECK_FAKE_DIR:-}" ] || rm -rf "$scratch"
exit "$rc"
