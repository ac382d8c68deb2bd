#!/bin/sh
# clawfix evidence probe: see script.ts for what it is and how it is called.
# The session's own PATH first: a non-interactive SSH session's PATH is what `ssh host openclaw` would
# run, so it decides which openclaw is the host's. The well-known dirs come after it, only to find
# installs it lacks (npm -g, nvm, pnpm… are often set up for interactive shells alone).
# A rooted probe (CF_ROOT, script.ts) looks for them under its root: the machine's own openclaw is not its host's.
PATH="$PATH:$HOME/.npm-global/bin:$HOME/.local/bin:$HOME/.local/share/pnpm:$HOME/.bun/bin:$HOME/.volta/bin:$CF_ROOT/usr/local/bin:$CF_ROOT/usr/bin:$CF_ROOT/bin:$CF_ROOT/usr/sbin:$CF_ROOT/sbin:$CF_ROOT/opt/homebrew/bin"
for d in "$HOME"/.nvm/versions/node/*/bin "$CF_ROOT"/usr/local/lib/nodejs/*/bin; do [ -d "$d" ] && PATH="$PATH:$d"; done
export PATH
LC_ALL=C; export LC_ALL
# Delimiters carry this run's nonce (CF_NONCE, on stdin, never exported: what the probe runs cannot
# print it), and free text is shifted so none of its lines starts with @@ (parse.ts refuses those).
sec() { printf '\n@@%s %s\n' "$CF_NONCE" "$1"; }
text() { sed 's/^@@/ @@/'; }

printf '@@clawfix-probe 2 %s\n' "$CF_NONCE"
sec id
printf 'user=%s\nuid=%s\nhome=%s\nhostname=%s\nnow=%s\ntz=%s\nkernel=%s\n' "$(id -un)" "$(id -u)" "$HOME" "$(hostname 2>/dev/null || uname -n)" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$(date +%z)" "$(uname -sr)"

# --- the gateway process first: its environment may tell where the state dir is
sec gateway
gw_pid=""
# A rooted probe (CF_ROOT, see script.ts) stands for a host of its own: the machine's other users and
# their gateways are not part of it, and processes cannot be rooted, so it lists its own user's only.
procs=-e; [ -n "$CF_ROOT" ] && procs="-u $(id -u)"
# a gateway is what runs it (node, bun, the CLI's own titles), not any command line naming it
# (src/gateway-process.ts holds the same program; a unit test keeps them equal)
gw_awk='function gw(  cmd, rest, i) { cmd = $f; sub(/.*\//, "", cmd); rest = ""; for (i = f; i <= NF; i++) rest = rest " " $i; return cmd ~ /^(node[0-9]*|nodejs|bun|openclaw|clawdbot|moltbot)(-gateway)?$/ && rest ~ /(openclaw|clawdbot|moltbot)-gateway|(openclaw|clawdbot|moltbot)[^ ]* gateway( run| --|$)/ }'
ps $procs -o pid=,user=,etimes=,args= 2>/dev/null | awk -v f=4 "$gw_awk"' gw() { l = $0; sub(/^ */, "", l); print "process=" substr(l, 1, 292) }'
for pid in $(ps $procs -o pid=,args= 2>/dev/null | awk -v f=2 "$gw_awk"' gw() { print $1 }'); do
  [ -r "/proc/$pid/environ" ] && tr '\0' '\n' < "/proc/$pid/environ" 2>/dev/null | grep -E '^(OPENCLAW_STATE_DIR|OPENCLAW_CONFIG_PATH|OPENCLAW_PROFILE|HOME|pm_id|name)=' | sed "s/^/env.$pid./"
done

# --- the state dir: hosts file, else the gateway's environment, else profile, else ~/.openclaw
state="$CF_STATE_DIR"; state_source=hosts-file
if [ -z "$state" ] && [ -n "$CF_PROFILE" ]; then state="$HOME/.openclaw-$CF_PROFILE"; state_source=profile; fi
if [ -z "$state" ] && [ -n "$OPENCLAW_STATE_DIR" ]; then state="$OPENCLAW_STATE_DIR"; state_source=env; fi
if [ -z "$state" ]; then state="$HOME/.openclaw"; state_source=default; fi
case "$state" in "~"|"~/"*) state="$HOME${state#\~}";; esac

sec statedir
printf 'path=%s\nsource=%s\n' "$state" "$state_source"
if [ -d "$state" ]; then
  printf 'exists=1\nowner=%s\nwritable=%s\n' "$(stat -c %U "$state" 2>/dev/null)" "$([ -w "$state" ] && echo 1 || echo 0)"
  [ -r "$state" ] || printf 'readable=0\n'
else
  printf 'exists=0\n'
fi

sec candidates
for d in "$CF_ROOT"/root/.openclaw "$CF_ROOT"/root/.openclaw-* "$CF_ROOT"/home/*/.openclaw "$CF_ROOT"/home/*/.openclaw-* "$CF_ROOT"/home/node/.openclaw "$CF_ROOT"/data/.openclaw "$CF_ROOT"/var/lib/openclaw/.openclaw; do
  [ -d "$d" ] || continue
  [ "$d" = "$state" ] && continue
  creds=unknown
  if [ -r "$d" ]; then creds=0; for c in "$d"/credentials/whatsapp/*/creds.json "$d"/credentials/creds.json; do [ -f "$c" ] && creds=1; done; fi
  printf '%s\t%s\t%s\n' "$d" "$(stat -c %U "$d" 2>/dev/null)" "$creds"
done | text

# --- the binary and its version (package.json beside it; the CLI only if that is missing)
sec openclaw
bin=$(command -v openclaw 2>/dev/null)
if [ -n "$bin" ]; then
  real=$(readlink -f "$bin" 2>/dev/null || echo "$bin")
  printf 'bin=%s\nreal=%s\n' "$bin" "$real"
  pkg="$(dirname "$real")/package.json"
  version=""
  [ -f "$pkg" ] && version=$(sed -n 's/^  "version": *"\([^"]*\)".*/\1/p' "$pkg" | head -n 1)
  if [ -z "$version" ]; then version=$(timeout 20 openclaw --version 2>/dev/null | sed -n 's/^[^0-9]*\([0-9][0-9.a-z-]*\).*/\1/p' | head -n 1); fi
  printf 'version=%s\n' "$version"
fi
node=""
[ -n "$bin" ] && [ -x "$(dirname "$bin")/node" ] && node="$(dirname "$bin")/node"
[ -z "$node" ] && node=$(command -v node 2>/dev/null)
printf 'node=%s\n' "$node"

# --- config, credentials and plugin, summarised by node (JSON5-tolerant) without printing secrets
sec files
logfile=""; cfgport=""
if [ -n "$node" ] && [ -r "$state" ]; then
  # kept in a variable, not a temp file: the probe writes nothing on the host
  files_out=$("$node" -e '
const fs = require("fs"), path = require("path");
const state = process.argv[1];
const out = { config: null, accounts: [], legacyCreds: false, plugin: null, ownerLocks: [] };
function loose(text) {
  try { return JSON.parse(text); } catch {}
  const stripped = text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "").replace(/,(\s*[}\]])/g, "$1").replace(/([{,]\s*)([A-Za-z_$][\w$]*)\s*:/g, "$1\"$2\":").replace(/'"'"'([^'"'"']*)'"'"'/g, "\"$1\"");
  return JSON.parse(stripped);
}
const configPath = process.env.OPENCLAW_CONFIG_PATH || path.join(state, "openclaw.json");
try {
  const cfg = loose(fs.readFileSync(configPath, "utf8"));
  const wa = cfg && cfg.channels && cfg.channels.whatsapp;
  const entry = cfg && cfg.plugins && cfg.plugins.entries && cfg.plugins.entries.whatsapp;
  out.config = { path: configPath, valid: true, whatsapp: Boolean(wa), whatsappEnabled: wa ? wa.enabled !== false : false,
    pluginEnabled: entry ? entry.enabled !== false : null,
    accounts: wa && wa.accounts ? Object.keys(wa.accounts) : [],
    authDirs: wa && wa.accounts ? Object.fromEntries(Object.entries(wa.accounts).filter(([, a]) => a && a.authDir).map(([k, a]) => [k, a.authDir])) : {},
    gatewayPort: cfg.gateway && cfg.gateway.port || null, logFile: cfg.logging && cfg.logging.file || null,
    lastTouchedVersion: cfg.meta && cfg.meta.lastTouchedVersion || null };
} catch (e) {
  out.config = { path: configPath, valid: false, missing: e.code === "ENOENT", error: e.code || "parse error" };
}
function inspect(file) {
  try {
    const st = fs.statSync(file);
    let valid = false;
    try { const v = JSON.parse(fs.readFileSync(file, "utf8")); valid = v !== null && typeof v === "object"; } catch {}
    return { present: true, size: st.size, mtime: st.mtime.toISOString(), valid };
  } catch (e) { return { present: false, error: e.code === "ENOENT" ? undefined : e.code }; }
}
// the own number only as an HMAC-SHA-256 of its digits (from creds.me.id, a phone JID) under the
// per-run key (CF_HASH_KEY): equal hashes within one run mean one phone linked twice; the number is never
// printed, and the hash cannot be reversed by trying every number without the key
function selfHash(file) {
  try {
    const m = /^(\d{6,15})(?::\d+)?@(?:s\.whatsapp\.net|c\.us)$/.exec(JSON.parse(fs.readFileSync(file, "utf8")).me.id);
    return m && process.env.CF_HASH_KEY ? require("crypto").createHmac("sha256", process.env.CF_HASH_KEY).update(m[1]).digest("hex") : null;
  } catch { return null; }
}
const waDir = path.join(state, "credentials", "whatsapp");
let names = [];
try { names = fs.readdirSync(waDir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name); } catch {}
const dirs = Object.fromEntries(names.map((n) => [n, path.join(waDir, n)]));
for (const [k, dir] of Object.entries((out.config && out.config.authDirs) || {})) dirs[k] = dir.replace(/^~(?=\/)/, process.env.HOME);
for (const a of (out.config && out.config.accounts) || []) if (!dirs[a]) dirs[a] = path.join(waDir, a);
if (out.config && out.config.whatsapp && !dirs.default && !((out.config.accounts || []).length)) dirs.default = path.join(waDir, "default");
for (const [account, dir] of Object.entries(dirs)) {
  let files = 0; try { files = fs.readdirSync(dir).length; } catch {}
  const lock = path.join(waDir, account + ".lock");
  let owner = null; try { const l = JSON.parse(fs.readFileSync(lock, "utf8")); owner = { pid: l.pid, createdAt: l.createdAt }; } catch {}
  out.accounts.push({ account, dir, files, creds: inspect(path.join(dir, "creds.json")), backup: inspect(path.join(dir, "creds.json.bak")), owner, selfHash: selfHash(path.join(dir, "creds.json")) });
}
out.legacyCreds = fs.existsSync(path.join(state, "credentials", "creds.json"));
try {
  const projects = path.join(state, "npm", "projects");
  const hit = fs.readdirSync(projects).find((n) => n.startsWith("openclaw-whatsapp-") && fs.existsSync(path.join(projects, n, "node_modules", "@openclaw", "whatsapp", "package.json")));
  out.plugin = hit ? { installed: true, version: JSON.parse(fs.readFileSync(path.join(projects, hit, "node_modules", "@openclaw", "whatsapp", "package.json"), "utf8")).version } : { installed: false };
} catch { out.plugin = { installed: false }; }
try {
  const tmp = path.join(state, "tmp");
  for (const d of fs.readdirSync(tmp)) for (const f of fs.readdirSync(path.join(tmp, d))) if (/^gateway\..*\.lock$/.test(f)) {
    try { const l = JSON.parse(fs.readFileSync(path.join(tmp, d, f), "utf8")); out.gatewayLock = { pid: l.pid, port: l.port, createdAt: l.createdAt, stateDir: l.stateDir }; } catch {}
  }
} catch {}
process.stdout.write(JSON.stringify(out) + "\n");
if (out.config && out.config.logFile) process.stdout.write("logfile=" + out.config.logFile + "\n");
if (out.config && out.config.gatewayPort) process.stdout.write("port=" + out.config.gatewayPort + "\n");
' "$state" 2>&1 | head -c 65536)
  printf '%s\n' "$files_out" | text
  logfile=$(printf '%s\n' "$files_out" | sed -n 's/^logfile=//p')
  cfgport=$(printf '%s\n' "$files_out" | sed -n 's/^port=//p')
elif [ -r "$state" ]; then
  printf 'nonode\n'
  for c in "$state"/credentials/whatsapp/*/creds.json; do [ -f "$c" ] && printf 'creds=%s %s\n' "$c" "$(stat -c '%s %Y' "$c")"; done | text
  [ -f "$state/openclaw.json" ] && grep -q '"whatsapp"' "$state/openclaw.json" && printf 'whatsapp=1\n'
fi

# --- the gateway: port, systemd units, linger, containers
sec service
port=${cfgport:-${OPENCLAW_GATEWAY_PORT:-18789}}
hexport=$(printf '%04X' "$port")
listening=0
for f in /proc/net/tcp /proc/net/tcp6; do
  [ -r "$f" ] && awk -v p=":$hexport" '$2 ~ p"$" && $4 == "0A" {found=1} END {exit !found}' "$f" && listening=1
done
printf 'port=%s\nlistening=%s\n' "$port" "$listening"
for u in "$HOME"/.config/systemd/user/openclaw*.service "$HOME"/.config/systemd/user/clawdbot*.service; do [ -f "$u" ] && printf 'user-unit=%s\n' "$u"; done
for u in "$CF_ROOT"/etc/systemd/system/openclaw*.service "$CF_ROOT"/lib/systemd/system/openclaw*.service; do [ -f "$u" ] && printf 'system-unit=%s\n' "$u"; done
if [ -d "$CF_ROOT/run/systemd/system" ]; then printf 'systemd=1\n'; else printf 'systemd=0\n'; fi
# logind makes its linger dir on the first enable-linger; before that, ask it (it knows users with a session);
# a rooted probe does not ask the machine's logind
if [ -e "$CF_ROOT/var/lib/systemd/linger/$(id -un)" ]; then printf 'linger=yes\n'; elif [ -d "$CF_ROOT/var/lib/systemd/linger" ]; then printf 'linger=no\n'
elif [ -n "$CF_ROOT" ]; then printf 'linger=unknown\n'
else case "$(timeout 5 loginctl show-user "$(id -un)" -p Linger --value 2>/dev/null)" in yes) printf 'linger=yes\n';; no) printf 'linger=no\n';; *) printf 'linger=unknown\n';; esac; fi
# pm2: its apps that run OpenClaw, stopped ones too (then no process shows it), asked only of a
# daemon that already runs: `pm2 jlist` would start one; names and states only (jlist holds env)
if command -v pm2 >/dev/null 2>&1; then
  printf 'pm2=1\n'
  pm2home=${PM2_HOME:-$HOME/.pm2}; pm2pid=$(cat "$pm2home/pm2.pid" 2>/dev/null)
  if [ -n "$pm2pid" ] && [ -S "$pm2home/rpc.sock" ] && [ -n "$node" ] && ps -o args= -p "$pm2pid" 2>/dev/null | grep -q 'God Daemon'; then
    timeout 10 pm2 jlist 2>/dev/null | "$node" -e '
let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
  let apps = []; try { apps = JSON.parse(s.trim().split("\n").reverse().find((l) => l.startsWith("[")) || "[]"); } catch {}
  for (const a of apps) {
    const e = (a && a.pm2_env) || {};
    const what = [e.pm_exec_path, ...(Array.isArray(e.args) ? e.args : [])].join(" ");
    if (/openclaw|clawdbot|moltbot/i.test(what) && /^[\w.@-]+$/.test(String(a.name))) process.stdout.write("pm2-app=" + a.name + " " + e.status + "\n");
  }
});' 2>/dev/null
  fi
fi
# set by clawfix when OpenClaw's container is not running and this runs in a throwaway copy of it
[ -n "${CLAWFIX_CONTAINER_STATE:-}" ] && printf 'container-state=%s\n' "$CLAWFIX_CONTAINER_STATE"
# the machine's container engine is no part of a rooted probe's host (its containers cannot be rooted)
for engine in docker podman; do
  [ -z "$CF_ROOT" ] || break
  command -v "$engine" >/dev/null 2>&1 || continue
  timeout 5 "$engine" ps --format '{{.Names}}\t{{.Image}}\t{{.Status}}' 2>/dev/null | grep -i -E 'openclaw|clawdbot|moltbot' | sed "s/^/container=$engine\t/"
done

# --- the WhatsApp-relevant lines of the two newest log files (tails only, size-capped); the pattern is
#     src/triage/relevance.ts's RELEVANT_LOG_PATTERN (a unit test keeps the two equal)
# logging.file in the config replaces the default rolling files, as in OpenClaw itself
# OpenClaw logs to /tmp/openclaw only when that dir is its user's own, not a symlink and not group- or
# other-writable, else to /tmp/openclaw-<uid>: a dir that fails the test holds another user's logs,
# or lines planted to steer the verdict (the same test as `clawfix logs`, src/commands/logs.ts)
own_dir() { [ -d "$1" ] && [ ! -L "$1" ] && [ "$(stat -c %u "$1" 2>/dev/null)" = "$(id -u)" ] && case "$(stat -c %A "$1" 2>/dev/null)" in ?????w*|????????w*) false;; esac; }
logdirs=""
for dir in "$CF_ROOT/tmp/openclaw" "$CF_ROOT/tmp/openclaw-$(id -u)"; do own_dir "$dir" && logdirs="$logdirs $dir"; done
case "$logfile" in "~/"*) logfile="$HOME/${logfile#\~/}";; esac
[ -n "$logfile" ] && logdirs="$logfile"
for dir in $logdirs; do
  if [ -f "$dir" ]; then files="$dir"
  elif [ -d "$dir" ]; then files=$(ls -1t "$dir"/openclaw*.log 2>/dev/null | head -n 2)
  else continue
  fi
  for f in $files; do
    sec "log $f"
    tail -c 4000000 "$f" 2>/dev/null \
      | grep -a -i -E 'whatsapp|web reconnect|web connection|baileys|creds\.json|listener|channel exited|channel startup|auto-restart|giving up|health-monitor|logged out|ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|handshake|stream errored|connection (failure|terminated)|QR|linked|link new devices|restart required|status [45][0-9][0-9]|Listening for|gateway closed|received SIG|shutdown completed|\[gateway\] ready|EACCES|Cannot find module|Channel is unavailable|login provider|not reachable|1006' \
      | tail -n 250 \
      | sed 's/"_meta":{[^{}]*\("logLevelName":"[A-Z]*"\)\([^{}]\|{[^{}]*}\)*}/"_meta":{\1}/' \
      | cut -c1-1500 | text
  done
done

# --- ask the gateway only when something listens on its port: without one, this blocks a minute
if [ "$listening" = 1 ] && [ -n "$bin" ]; then
  sec channels-status
  deep=""; [ "$CF_DEEP" = 1 ] && deep="--probe"
  if [ "$state_source" = default ]; then
    timeout 30 openclaw channels status --json --timeout 8000 $deep 2>&1 | head -c 262144 | text
  else
    OPENCLAW_STATE_DIR="$state" timeout 30 openclaw channels status --json --timeout 8000 $deep 2>&1 | head -c 262144 | text
  fi
  sec "channels-status-rc $?"
fi
sec end
