#!/bin/sh
# OpenClaw run by a systemd system unit as the service user `openclaw` (systemd image only):
# /etc/systemd/system/openclaw-gateway.service, the fake's state for openclaw built from the
# OpenClaw scenario $1 (default healthy), and the unit started.
# The fake's knobs come from /etc/clawfix/openclaw-gateway.env (OPENCLAW_FAKE_* of this environment).
# Re-run it to switch scenarios: it stops the unit first.
set -eu
scenario=${1:-healthy}
systemctl stop openclaw-gateway.service 2>/dev/null || true
env | grep '^OPENCLAW_FAKE_' > /etc/clawfix/openclaw-gateway.env || true
rm -rf /tmp/openclaw /tmp/openclaw-*
openclaw-fake-scenario "$scenario" --home /home/openclaw --user openclaw --no-gateway >/var/log/openclaw-unit-scenario.log 2>&1 \
  || { cat /var/log/openclaw-unit-scenario.log >&2; exit 1; }
cat > /etc/systemd/system/openclaw-gateway.service <<'UNIT'
[Unit]
Description=OpenClaw Gateway
After=network-online.target

[Service]
User=openclaw
Environment=HOME=/home/openclaw
EnvironmentFile=-/etc/clawfix/openclaw-gateway.env
ExecStart=/usr/local/bin/openclaw gateway run
Restart=on-failure
RestartSec=5

[Install]
WantedBy=multi-user.target
UNIT
systemctl daemon-reload
systemctl enable openclaw-gateway.service 2>/dev/null
systemctl start --no-block openclaw-gateway.service
