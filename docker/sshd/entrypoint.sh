#!/bin/sh
# PID 1 of the clawfix test host: prepare keys from the environment, apply a scenario, exec sshd.
#
#   AUTHORIZED_KEYS          authorized_keys lines for `claw` (newline separated)
#   AUTHORIZED_KEYS_<user>   the same for another user, e.g. AUTHORIZED_KEYS_openclaw, AUTHORIZED_KEYS_nosudo
#   HOST_KEY_ED25519         the ed25519 host private key (OpenSSH/PEM text, or that text base64-encoded);
#                            when unset a fresh key is generated at every start
#   OPENCLAW_SCENARIO        a fake OpenClaw scenario for `claw` (openclaw-fake-scenario --list), with
#                            OPENCLAW_SCENARIO_ARGS (e.g. --variant x)
#   CLAWFIX_SCENARIO         names /etc/clawfix/scenarios.d/<name>.sh, run as root before sshd starts
#                            (executed directly when executable, else with bash; a failure stops the container)
#                            (several names may be given, separated by commas or spaces)
#
# Anything in /etc/clawfix/authorized_keys.d/<user> (e.g. copied in by the harness) is appended too.
# sshd runs in the foreground (-D) and logs to stderr (-e), so `docker logs` shows it. With --setup-only
# it stops before sshd (the systemd image's clawfix-setup.service).
set -eu

log() { echo "clawfix-sshd: $*" >&2; }

install_keys() { # user keys-text
  user=$1; keys=$2
  home=$(getent passwd "$user" | cut -d: -f6)
  if [ -z "$home" ]; then log "no such user: $user"; exit 64; fi
  install -d -m 0700 -o "$user" -g "$user" "$home/.ssh"
  printf '%s\n' "$keys" | sed '/^[[:space:]]*$/d' > "$home/.ssh/authorized_keys"
  if [ -f "/etc/clawfix/authorized_keys.d/$user" ]; then
    cat "/etc/clawfix/authorized_keys.d/$user" >> "$home/.ssh/authorized_keys"
  fi
  chown "$user:$user" "$home/.ssh/authorized_keys"
  chmod 0600 "$home/.ssh/authorized_keys"
  log "authorized_keys for $user: $(grep -c . "$home/.ssh/authorized_keys" || true) key(s)"
}

install_keys claw "${AUTHORIZED_KEYS:-}"
# AUTHORIZED_KEYS_<user>=...
for user in $(env | sed -n 's/^AUTHORIZED_KEYS_\([a-z_][a-z0-9_-]*\)=.*/\1/p' | sort -u); do
  install_keys "$user" "$(printenv "AUTHORIZED_KEYS_$user")"
done
if [ -d /etc/clawfix/authorized_keys.d ]; then
  for f in /etc/clawfix/authorized_keys.d/*; do
    [ -f "$f" ] || continue
    user=$(basename "$f")
    [ "$user" = claw ] && continue
    printenv "AUTHORIZED_KEYS_$user" >/dev/null 2>&1 && continue
    install_keys "$user" ""
  done
fi

key=/etc/ssh/ssh_host_ed25519_key
rm -f /etc/ssh/ssh_host_*_key /etc/ssh/ssh_host_*_key.pub
if [ -n "${HOST_KEY_ED25519:-}" ]; then
  case "$HOST_KEY_ED25519" in
    *"-----BEGIN"*) printf '%s\n' "$HOST_KEY_ED25519" > "$key" ;;
    *) printf '%s' "$HOST_KEY_ED25519" | base64 -d > "$key" ;;
  esac
  chmod 0600 "$key"
  if ! ssh-keygen -y -f "$key" > "$key.pub" 2>/dev/null; then
    log "HOST_KEY_ED25519 is not a usable unencrypted private key"; exit 65
  fi
  log "host key from HOST_KEY_ED25519"
else
  ssh-keygen -q -t ed25519 -N '' -C "clawfix-test-host" -f "$key"
  log "host key generated"
fi
log "host key fingerprint: $(ssh-keygen -lf "$key.pub")"

scenarios=$(printf '%s' "${CLAWFIX_SCENARIO:-}" | tr ',' ' ')
for s in $scenarios; do
  f="/etc/clawfix/scenarios.d/$s.sh"
  if [ ! -f "$f" ]; then
    log "unknown scenario '$s' (known: $(cd /etc/clawfix/scenarios.d && ls *.sh 2>/dev/null | sed 's/\.sh$//' | tr '\n' ' '))"
    exit 66
  fi
  log "applying scenario $s"
  if [ -x "$f" ]; then "$f"; else bash "$f"; fi
done

# OPENCLAW_SCENARIO: a fake OpenClaw scenario (docker/openclaw) for the login user `claw`, gateway included.
if [ -n "${OPENCLAW_SCENARIO:-}" ]; then
  log "applying openclaw scenario $OPENCLAW_SCENARIO"
  # shellcheck disable=SC2086
  if ! /usr/local/bin/openclaw-fake-scenario "$OPENCLAW_SCENARIO" --home /home/claw --user claw ${OPENCLAW_SCENARIO_ARGS:-} >/var/log/openclaw-scenario.log 2>&1; then
    cat /var/log/openclaw-scenario.log >&2
    exit 67
  fi
fi

mkdir -p /run/sshd
chmod 0755 /run/sshd
/usr/sbin/sshd -t
# Under systemd (Dockerfile.systemd) a unit runs this with --setup-only and ssh.service starts sshd.
[ "${1:-}" = --setup-only ] && exit 0
exec /usr/sbin/sshd -D -e "$@"
