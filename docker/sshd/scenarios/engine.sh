#!/bin/sh
# The machine's container engine, reached the way a VPS user in the `docker` group reaches Docker.
# The harness mounts the engine's socket at /run/clawfix/engine.sock (root only, and not ours to
# chmod); socat serves it as /var/run/docker.sock for group docker, which claw joins.
set -eu
if [ ! -S /run/clawfix/engine.sock ]; then echo "engine: /run/clawfix/engine.sock is not mounted" >&2; exit 1; fi
groupadd -f docker
usermod -aG docker claw
rm -f /var/run/docker.sock
nohup socat UNIX-LISTEN:/var/run/docker.sock,fork,user=root,group=docker,mode=660 UNIX-CONNECT:/run/clawfix/engine.sock >/dev/null 2>&1 &
i=0
while [ ! -S /var/run/docker.sock ]; do
  i=$((i + 1)); [ $i -le 50 ] || { echo "engine: socat did not start" >&2; exit 1; }
  sleep 0.1
done
docker version --format 'engine: {{.Server.Version}}' >&2
