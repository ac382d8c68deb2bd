#!/bin/sh
# OpenClaw as claw's systemd user unit (what `openclaw gateway install` writes), linger off (systemd
# image only): the OpenClaw scenario $1 (default gateway-dies-on-logout) for claw, so the gateway runs
# only while claw has a session. The fake's knobs (OPENCLAW_FAKE_* of this environment) reach the user
# manager through environment.d.
set -eu
scenario=${1:-gateway-dies-on-logout}
loginctl disable-linger claw 2>/dev/null || true
mkdir -p /etc/environment.d
env | grep '^OPENCLAW_FAKE_' > /etc/environment.d/90-openclaw-fake.conf || true
rm -rf /tmp/openclaw /tmp/openclaw-*
openclaw-fake-scenario "$scenario" --home /home/claw --user claw --no-gateway >/var/log/openclaw-user-unit.log 2>&1 \
  || { cat /var/log/openclaw-user-unit.log >&2; exit 1; }
