#!/bin/sh
# PID 1 of a gateway container (gateway-container.sh): the OpenClaw scenario on the first start only
# (the state dir is a volume and outlives the container), then the gateway in the foreground.
set -eu
if [ ! -f "$HOME/.openclaw/openclaw.json" ]; then
  openclaw-fake-scenario "$OPENCLAW_SCENARIO" --home "$HOME" --no-gateway >/tmp/openclaw-scenario.log 2>&1 || { cat /tmp/openclaw-scenario.log >&2; exit 1; }
fi
exec openclaw gateway run
