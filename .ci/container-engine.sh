#!/usr/bin/env bash
# Make a Docker-compatible engine available to testcontainers.
# With a working Docker engine this does nothing. Otherwise (the CI machines of this project have only
# the docker client) it installs podman from Debian, builds the debian:bookworm-slim base image from
# Debian's own packages (no registry is reachable) and serves podman's Docker API on a socket.
# Source it: it exports DOCKER_HOST and the testcontainers settings for the caller.
set -euo pipefail

if docker info >/dev/null 2>&1; then
  echo "container-engine: using the running Docker engine"
  return 0 2>/dev/null || exit 0
fi

export DEBIAN_FRONTEND=noninteractive
if ! command -v podman >/dev/null 2>&1; then
  echo "container-engine: installing podman"
  apt-get update -qq
  apt-get install -y -qq podman runc debootstrap >/dev/null
fi
if [ ! -f /etc/containers/containers.conf ] || ! grep -q 'runtime = "runc"' /etc/containers/containers.conf; then
  mkdir -p /etc/containers
  cat > /etc/containers/containers.conf <<'CONF'
[containers]
# the sandbox lacks CAP_SYS_RESOURCE: podman's default ulimits cannot be raised
default_ulimits = ["nofile=1024:1024", "nproc=1000:1000"]
[engine]
# crun fails on this cgroup layout; runc with cgroupfs works
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
CONF
fi

if ! podman image exists docker.io/library/debian:bookworm-slim; then
  echo "container-engine: building debian:bookworm-slim with debootstrap"
  command -v debootstrap >/dev/null || apt-get install -y -qq debootstrap >/dev/null
  MIRROR=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
  MIRROR=${MIRROR:-http://deb.debian.org/debian}
  ROOTFS=$(mktemp -d /tmp/clawfix-rootfs.XXXXXX)
  debootstrap --variant=minbase bookworm "$ROOTFS" "$MIRROR" >/dev/null
  # debootstrap copies the host's apt sources only partially: point the image at the same mirror
  tar -C "$ROOTFS" -c . | podman import - docker.io/library/debian:bookworm-slim >/dev/null
  rm -rf "$ROOTFS"
fi

SOCK=/tmp/podman.sock
if ! curl -sf --unix-socket "$SOCK" http://d/_ping >/dev/null 2>&1; then
  echo "container-engine: starting podman's Docker API on $SOCK"
  rm -f "$SOCK"
  nohup podman system service --time=0 "unix://$SOCK" >/tmp/podman-service.log 2>&1 &
  for _ in $(seq 1 50); do
    curl -sf --unix-socket "$SOCK" http://d/_ping >/dev/null 2>&1 && break
    sleep 0.2
  done
fi
export DOCKER_HOST="unix://$SOCK"
export TESTCONTAINERS_RYUK_DISABLED=true      # the ryuk image cannot be pulled here
export TESTCONTAINERS_HOST_OVERRIDE=127.0.0.1
echo "container-engine: ready (DOCKER_HOST=$DOCKER_HOST)"
