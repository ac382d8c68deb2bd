#!/bin/sh
# Starts a fake OpenClaw gateway the way OpenClaw's Docker image runs it: the gateway is the container's
# main process, as a non-root user (openclaw), with HOME and so the state dir (/data/.openclaw) on a
# named volume, as hosting templates do. Run on a test host with the `engine` scenario, as root.
#   clawfix-test-gateway-container <name> <openclaw scenario> <image> [docker run options, e.g. --label, -e]
# The volume is <name>-state; labels given as `--label k=v` are put on it too.
set -eu
name=$1; scenario=$2; image=$3; shift 3
labels=""
prev=""
for a in "$@"; do [ "$prev" = --label ] && labels="$labels --label $a"; prev=$a; done
# shellcheck disable=SC2086
docker volume create $labels "$name-state" >/dev/null
# a new volume is root's: hand it to the gateway's user first
docker run --rm --user root --network none -v "$name-state:/data" --entrypoint chown "$image" openclaw:openclaw /data
docker run -d --name "$name" --user openclaw -e HOME=/data -e OPENCLAW_SCENARIO="$scenario" \
  -v "$name-state:/data" "$@" --entrypoint /usr/local/bin/clawfix-test-gateway-main "$image" >/dev/null
# ready when the gateway listens (like the real image's health check)
i=0
until docker exec "$name" sh -c 'cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | grep -q ":4965 .* 0A "'; do
  i=$((i + 1))
  if [ $i -gt 100 ]; then docker logs "$name" >&2; echo "gateway container $name did not listen" >&2; exit 1; fi
  sleep 0.2
done
