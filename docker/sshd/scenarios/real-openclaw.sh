#!/bin/sh
# The real OpenClaw for the service user `openclaw` (test/helpers/real-openclaw.ts). The install
# (scripts/real-openclaw.sh) is mounted read-only at its own path, REAL_OPENCLAW_DIR; nothing here
# fetches anything.
#
#   REAL_OPENCLAW_STATE    not-linked (default) | linked | whatsapp-not-configured | plugin-missing
#   REAL_OPENCLAW_GATEWAY  run (default: `openclaw gateway run` as a bare process; the tests start it
#                          themselves, one host at a time: test/helpers/real-openclaw.ts) | none |
#                          user-unit-stopped (systemd image: openclaw's user unit as `gateway install`
#                          writes it, linger on, the unit not started)
#
# `openclaw` on PATH (/usr/local/bin) is the real CLI under Node 24, except for one subcommand:
# `channels login` goes to the fake's login (docker/openclaw), because WhatsApp's servers are out of
# reach. It prints a real QR the way the real one does and writes credentials when the test scans it
# (<state>/.fake/scan). The host gets no route and no resolver: the gateway's WhatsApp socket fails
# at the DNS lookup as on a VPS that lost its network, and nothing leaves the machine.
set -eu
dir=${REAL_OPENCLAW_DIR:?REAL_OPENCLAW_DIR names the install of scripts/real-openclaw.sh}
state_kind=${REAL_OPENCLAW_STATE:-not-linked}
gateway=${REAL_OPENCLAW_GATEWAY:-run}
node="$dir/node_modules/node/bin/node"
home=/home/openclaw
state="$home/.openclaw"
[ -x "$node" ] && [ -f "$dir/state-template.tar" ] || { echo "real-openclaw: $dir is not a finished install" >&2; exit 1; }
# The install is mounted where it was made (its plugin links and state name that path), often under
# root's home (~/.cache/clawfix): the dirs above it in this container must let openclaw through.
d=$dir; while [ "$d" != / ]; do d=$(dirname "$d"); chmod o+x "$d"; done

# no way out: DNS points at a closed local port, and the default route goes when the host may drop it
printf 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n' > /etc/resolv.conf
ip route del default 2>/dev/null || true

ln -sf "$node" /usr/local/bin/node
rm -f /usr/local/bin/openclaw
login_env=/etc/clawfix-test/login.env
cat > /usr/local/bin/openclaw <<EOF
#!/bin/sh
# test host: the real OpenClaw; \`channels login\` alone goes to a stand-in (no WhatsApp servers here)
real() { "$node" "$dir/node_modules/openclaw/openclaw.mjs" "\$@"; }
case " \$* " in
  *" channels login "*)
    # the fake's QR login, then what the real one does after a link: ask the gateway to start the account.
    # A test may shorten the QR lifetimes (the fake's OPENCLAW_FAKE_QR_* knobs) in $login_env.
    [ -r $login_env ] && { set -a; . $login_env; set +a; }
    OPENCLAW_FAKE_LOGIN_ONLY=1 "$node" /usr/local/lib/node_modules/openclaw/openclaw.mjs "\$@" || exit \$?
    account=default; prev=; for a in "\$@"; do [ "\$prev" = --account ] && account=\$a; prev=\$a; done
    real gateway call channels.start --json --params "{\\"channel\\":\\"whatsapp\\",\\"accountId\\":\\"\$account\\"}" >/dev/null 2>&1 \\
      || echo "Local login saved auth for whatsapp/\$account, but the running gateway did not restart it."
    exit 0 ;;
esac
exec "$node" "$dir/node_modules/openclaw/openclaw.mjs" "\$@"
EOF
chmod 0755 /usr/local/bin/openclaw

rm -rf "$state" /tmp/openclaw /tmp/openclaw-*
tar -C "$home" -xf "$dir/state-template.tar"

# the channel's config, and linked credentials when asked for (the fake's Baileys-shaped creds.json)
"$node" --input-type=module - "$state" "$state_kind" <<'EOF'
import fs from 'node:fs';
const [state, kind] = process.argv.slice(2);
const file = `${state}/openclaw.json`;
const cfg = JSON.parse(fs.readFileSync(file, 'utf8'));
if (kind !== 'whatsapp-not-configured') cfg.channels = { ...cfg.channels, whatsapp: { dmPolicy: 'pairing', allowFrom: ['+15550001111'] } };
fs.writeFileSync(file, JSON.stringify(cfg, null, 2) + '\n', { mode: 0o600 });
if (kind === 'linked') {
  const { writeLinkedAuth } = await import('/usr/local/lib/node_modules/openclaw/fake/whatsapp.mjs');
  writeLinkedAuth(`${state}/credentials/whatsapp/default`, { e164: '+447700900123', name: 'Alex' });
}
EOF
[ "$state_kind" = plugin-missing ] && rm -rf "$state"/npm/projects/openclaw-whatsapp-*
chown -R openclaw:openclaw "$state"

case "$gateway" in
  run)
    # setsid -f: the gateway alone, no shell left waiting beside it that looks like a second gateway
    su - openclaw -c 'cd && setsid -f openclaw gateway run </dev/null >/dev/null 2>&1' ;;
  user-unit-stopped)
    # what `openclaw gateway install` writes; linger on, so openclaw's user manager runs without a session
    unit_dir="$home/.config/systemd/user"
    mkdir -p "$unit_dir"
    cat > "$unit_dir/openclaw-gateway.service" <<EOF
[Unit]
Description=OpenClaw Gateway
After=network-online.target

[Service]
ExecStart=/usr/local/bin/openclaw gateway run
Restart=always
RestartSec=5
Environment=HOME=$home

[Install]
WantedBy=default.target
EOF
    chown -R openclaw:openclaw "$home/.config"
    mkdir -p /var/lib/systemd/linger && touch /var/lib/systemd/linger/openclaw ;;
  none) ;;
  *) echo "real-openclaw: unknown REAL_OPENCLAW_GATEWAY=$gateway" >&2; exit 1 ;;
esac
