#!/usr/bin/env bash
# The real OpenClaw, installed once outside every container, for the tests that run against it
# (test/integration/real-*.test.ts) and for `npm run check:fake`.
#
#   bash scripts/real-openclaw.sh            # installs if needed, prints the install dir on stdout
#
# What it makes, in $CLAWFIX_REAL_OPENCLAW_DIR (default ${XDG_CACHE_HOME:-~/.cache}/clawfix/openclaw-<version>):
#   node_modules/node/bin/node         Node 24 (npm's `node@24` package; OpenClaw needs Node >= 24)
#   node_modules/openclaw/             openclaw@<version>, installed with --ignore-scripts and then run once
#                                      as the installing user, which completes its install (facts, section 12)
#   state-template.tar                 a state dir as `openclaw onboard --non-interactive` leaves it, plus the
#                                      WhatsApp plugin (`openclaw plugins install @openclaw/whatsapp`, which needs
#                                      the npm registry), with its absolute paths rewritten to /home/openclaw/.openclaw,
#                                      the state dir of the test host's service user: the test hosts unpack it
#                                      and never reach the network themselves.
#   ready                              written last: a dir without it is re-made.
# The dir is mounted into test hosts at the same absolute path, because the plugin's peer dependency is
# a symlink to <dir>/node_modules/openclaw.
#
# Env: OPENCLAW_VERSION (default 2026.9.6), CLAWFIX_REAL_OPENCLAW_DIR.
set -euo pipefail

version=${OPENCLAW_VERSION:-2026.9.6}
dir=${CLAWFIX_REAL_OPENCLAW_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/clawfix/openclaw-$version}
# the test hosts' service user and its state dir (docker/sshd/Dockerfile)
target_home=/home/openclaw
log() { printf '[real-openclaw] %s\n' "$*" >&2; }

if [ -f "$dir/ready" ] && [ "$(cat "$dir/ready")" = "$version" ]; then
  printf '%s\n' "$dir"
  exit 0
fi

# npm and node under Node 24 need the machine's CA settings (SELF_SIGNED_CERT_IN_CHAIN otherwise)
cafile=$(npm config get cafile 2>/dev/null || true)
if [ -n "$cafile" ] && [ "$cafile" != null ] && [ "$cafile" != undefined ]; then
  export npm_config_cafile="$cafile" NODE_EXTRA_CA_CERTS="${NODE_EXTRA_CA_CERTS:-$cafile}"
fi

mkdir -p "$dir"
cd "$dir"
rm -f ready
[ -f package.json ] || printf '{ "name": "clawfix-real-openclaw", "private": true }\n' > package.json
if [ ! -x node_modules/node/bin/node ]; then
  log "installing node@24 into $dir"
  npm i node@24 --no-audit --no-fund --loglevel=error >&2
fi
export PATH="$dir/node_modules/node/bin:$PATH"
installed=$(node -p "require('./node_modules/openclaw/package.json').version" 2>/dev/null || true)
if [ "$installed" != "$version" ]; then
  log "installing openclaw@$version (--ignore-scripts; ~770 MB)"
  npm i "openclaw@$version" --ignore-scripts --no-audit --no-fund --loglevel=error >&2
fi
cli="$dir/node_modules/openclaw/openclaw.mjs"

# The real CLI logs to /tmp/openclaw whatever HOME says: every run of it here gets a /tmp of its own
# (a private mount namespace), so this machine's /tmp/openclaw — maybe a real install's — is never touched.
scratch="$dir/scratch"
rm -rf "$scratch"; mkdir -p "$scratch/tmp" "$scratch/home"
trap 'rm -rf "$scratch"' EXIT
private_tmp() {
  if unshare --user --map-root-user --mount true 2>/dev/null; then
    unshare --user --map-root-user --mount --propagation private \
      sh -c 'mount --bind "$0" /tmp && exec "$@"' "$scratch/tmp" "$@"
  elif [ "${CI:-}" = true ]; then
    log "unshare (user + mount namespaces) is not available: the real CLI would write into this machine's /tmp/openclaw"; exit 1
  else
    log "warning: no unshare here; the real CLI's log lines go to this machine's /tmp/openclaw"; "$@"
  fi
}

# the first run completes the package's install in its own dir: done here, by the user that can write there
log "$(private_tmp node "$cli" --version | tail -n 1)"
chmod -R a+rX "$dir/node_modules"

log "preparing the state template (onboarding, WhatsApp plugin)"
home="$scratch/home"
(
  for v in $(env | sed -n 's/^\(OPENCLAW_[A-Z0-9_]*\)=.*/\1/p'); do unset "$v"; done
  export HOME="$home" NO_COLOR=1 CI=1
  cd "$home"
  private_tmp node "$cli" onboard --non-interactive --accept-risk --mode local --auth-choice skip --skip-channels \
    --skip-daemon --skip-health --skip-skills --skip-search --skip-ui --skip-hooks --json >"$scratch/onboard.out" 2>&1 \
    || { cat "$scratch/onboard.out" >&2; exit 1; }
  private_tmp node "$cli" plugins install @openclaw/whatsapp >"$scratch/plugin.out" 2>&1 || { cat "$scratch/plugin.out" >&2; exit 1; }
)
state="$home/.openclaw"
# the template's own paths become the test host's (config, its rotated copies, the state database)
for f in "$state"/openclaw.json "$state"/openclaw.json.bak*; do
  [ -f "$f" ] && sed -i "s#$home/.openclaw#$target_home/.openclaw#g; s#$home#$target_home#g" "$f"
done
node --input-type=module - "$state/state/openclaw.sqlite" "$home" "$target_home" <<'EOF'
import { DatabaseSync } from 'node:sqlite';
const [file, from, to] = process.argv.slice(2);
const db = new DatabaseSync(file);
for (const { name } of db.prepare("select name from sqlite_master where type = 'table'").all()) {
  for (const { name: col } of db.prepare(`pragma table_info("${name}")`).all()) {
    db.prepare(`update "${name}" set "${col}" = replace("${col}", ?, ?) where typeof("${col}") = 'text' and instr("${col}", ?) > 0`).run(from, to, from);
  }
}
db.exec('pragma wal_checkpoint(truncate)');
db.close();
EOF
rm -rf "$state/tmp" "$state/logs"
tar -C "$home" -cf "$dir/state-template.tar.tmp" .openclaw
mv "$dir/state-template.tar.tmp" "$dir/state-template.tar"
printf '%s\n' "$version" > ready
log "ready: $dir"
printf '%s\n' "$dir"
