#!/usr/bin/env bash
# Runs a command in a sandbox of its own: user + network + mount namespaces (`unshare -rnm`), so
# nothing but loopback is reachable and nothing of the machine's /tmp, /home or /run is seen or written.
#
#   sandbox.sh <dir> <keep>... -- <command> [args...]
#
# Inside: only `lo` (up), uid 0 named `openclaw` with home /home/openclaw (a bind-mounted passwd: the
# CLIs compare HOME with the account's home before managing a service), and private /tmp, /home and
# /run (on disk under <dir>, kept for inspection; /run hidden so no systemd or container engine is
# found). Each <keep> path (the repo, the real install, the capture dir) stays visible at its own path
# even when it lies under one of those.
set -euo pipefail
[ "${1:-}" != --inside ] || { shift; inside=1; }
dir=$1; shift
keep=(); while [ "$1" != -- ]; do keep+=("$1"); shift; done; shift

if [ -z "${inside:-}" ]; then
  mkdir -p "$dir"
  exec unshare --map-root-user --net --mount --propagation private "$0" --inside "$dir" "${keep[@]}" -- "$@"
fi

ip link set lo up
printf 'openclaw:x:0:0:OpenClaw:/home/openclaw:/bin/sh\n' > "$dir/passwd"
mount --bind "$dir/passwd" /etc/passwd
# /var/lib/containers too: a container engine run in here (the real CLI's --container looks for one) would
# see an empty /run beside the machine's storage, take it for a reboot and reset every container of the machine
for top in /tmp /home /run /var/lib/containers; do
  [ -d "$top" ] || continue
  new="$dir/root$top"
  rm -rf "$new"; mkdir -p "$new"; chmod 1777 "$new"
  # what must stay visible is bound into the new dir before it hides the old one
  for k in "${keep[@]}"; do
    case "$k/" in "$top"/*) mkdir -p "$new${k#"$top"}"; mount --bind "$k" "$new${k#"$top"}" ;; esac
  done
  mount --rbind "$new" "$top"
done
mkdir -p /home/openclaw
exec "$@"
