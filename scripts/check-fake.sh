#!/usr/bin/env bash
# Contract check of the fake openclaw (docker/openclaw) against the real CLI. Not part of npm test.
#
# Installs the real CLI in a scratch dir (npm i node@24; npm i openclaw@<version> --ignore-scripts with
# that node first on PATH, ~770 MB, slow), prepares a throwaway HOME (non-interactive onboarding, the
# WhatsApp plugin, a WhatsApp channel config), runs the commands clawfix uses with both CLIs and
# compares help option lists, --version, error texts and JSON key sets. Prints a report, exits 1 on
# any mismatch.
#
# Env: OPENCLAW_VERSION (default 2026.9.6), CHECK_FAKE_DIR (scratch dir, reused between runs),
#      CHECK_FAKE_SKIP_PLUGIN=1 (skip `plugins install @openclaw/whatsapp`, ~1-2 min),
#      CHECK_FAKE_TIMEOUT_MS (per command, default 240000).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
here="$repo/scripts/check-fake"
version=${OPENCLAW_VERSION:-2026.9.6}
scratch=${CHECK_FAKE_DIR:-${TMPDIR:-/tmp}/clawfix-check-fake}
fake_cli="$repo/docker/openclaw/lib/node_modules/openclaw/openclaw.mjs"
mkdir -p "$scratch"
log() { printf '[check-fake] %s\n' "$*" >&2; }

# npm/node under the scratch node need the machine's CA settings (SELF_SIGNED_CERT_IN_CHAIN otherwise)
cafile=$(npm config get cafile 2>/dev/null || true)
if [ -n "$cafile" ] && [ "$cafile" != "null" ] && [ "$cafile" != "undefined" ]; then
  export npm_config_cafile="$cafile"
  export NODE_EXTRA_CA_CERTS="${NODE_EXTRA_CA_CERTS:-$cafile}"
fi

cd "$scratch"
[ -f package.json ] || npm init -y >/dev/null
if [ ! -x "$scratch/node_modules/node/bin/node" ]; then
  log "installing node@24 into $scratch"
  npm i node@24 --no-audit --no-fund >&2
fi
export PATH="$scratch/node_modules/node/bin:$PATH"
log "node $(node --version), npm $(npm --version)"
installed=$(node -p "require('$scratch/node_modules/openclaw/package.json').version" 2>/dev/null || true)
if [ "$installed" != "$version" ]; then
  log "installing openclaw@$version (--ignore-scripts; large and slow)"
  npm i "openclaw@$version" --ignore-scripts --no-audit --no-fund >&2
fi
real_cli="$scratch/node_modules/.bin/openclaw"
log "real: $("$real_cli" --version 2>/dev/null | tail -1)"

# throwaway HOME, no OPENCLAW_* from the caller
for v in $(env | sed -n 's/^\(OPENCLAW_[A-Z0-9_]*\)=.*/\1/p'); do unset "$v"; done
home="$scratch/home"
rm -rf "$home"
mkdir -p "$home"
export HOME="$home" NO_COLOR=1 CI=1
log "onboarding (non-interactive) in $home"
if ! "$real_cli" onboard --non-interactive --accept-risk --mode local --auth-choice skip --skip-channels \
  --skip-daemon --skip-health --skip-skills --skip-search --skip-ui --skip-hooks --json >"$scratch/onboard.out" 2>&1; then
  log "onboarding failed (see $scratch/onboard.out); writing a minimal config instead"
  mkdir -p "$home/.openclaw"
  printf '{\n  "gateway": { "mode": "local", "port": 18789, "bind": "loopback", "auth": { "mode": "token", "token": "check-fake-token" } }\n}\n' >"$home/.openclaw/openclaw.json"
fi
if [ "${CHECK_FAKE_SKIP_PLUGIN:-}" != 1 ]; then
  log "installing the WhatsApp plugin with the real CLI"
  "$real_cli" plugins install @openclaw/whatsapp >"$scratch/plugin.out" 2>&1 || log "plugin install failed (see $scratch/plugin.out)"
fi
# WhatsApp channel config + a free gateway port, so neither CLI talks to a gateway running on this host
node - "$home/.openclaw/openclaw.json" <<'EOF'
const fs = require('fs');
const net = require('net');
const file = process.argv[2];
const cfg = JSON.parse(fs.readFileSync(file, 'utf8'));
const srv = net.createServer().listen(0, '127.0.0.1', () => {
  const port = srv.address().port;
  srv.close();
  cfg.gateway = { ...(cfg.gateway ?? {}), port };
  cfg.plugins = cfg.plugins ?? {};
  cfg.plugins.entries = { ...(cfg.plugins.entries ?? {}), whatsapp: { enabled: true } };
  cfg.channels = { ...(cfg.channels ?? {}), whatsapp: { dmPolicy: 'pairing', allowFrom: ['+15551234567'] } };
  fs.writeFileSync(file, JSON.stringify(cfg, null, 2) + '\n');
});
EOF

cap="$scratch/capture"
rm -rf "$cap"
log "running the checks with the real CLI (slow: status/doctor wait for the gateway probe budget)"
node "$here/run.mjs" "$cap/real" "$real_cli"
log "running the checks with the fake CLI"
node "$here/run.mjs" "$cap/fake" node "$fake_cli"
log "report ($scratch/report.txt):"
set +e
node "$here/compare.mjs" "$cap" | tee "$scratch/report.txt"
rc=${PIPESTATUS[0]}
exit "$rc"
