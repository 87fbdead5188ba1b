#!/usr/bin/env bash
# Every benchmark of juicectl in one run, on real volumes (as root). Each section records its raw figures in
# .bench/results.json; at the end scripts/bench/report.py writes .bench/report.md (the machine, every section with its
# targets, the run time) and the plots .bench/checkpoint-vs-files.svg and .bench/metadata-restore-vs-files.svg.
# .bench/ is ignored by git. `scripts/bench/report.py render` redraws the report from results.json alone.
#
# Sections (each script under scripts/bench/ says what it measures and against which target):
#   converge-noop        no-op `apply` and `plan` vs one bare `juicefs status`           converge_noop.py
#   checkpoint-restore   `checkpoint create` and `restore` vs a bare `juicefs clone`,     checkpoint_restore.py
#                        at each of BENCH_CHECKPOINT_FILES
#   quiesce              a quiesced checkpoint's frozen window vs a bare `juicefs clone`,  quiesce.py
#                        at each of BENCH_QUIESCE_FILES
#   hardlinks            `checkpoint create` of BENCH_HARDLINK_FILES files, 1 % with a     hardlinks.py
#                        second name, vs the same tree without them (and bare clones)
#   metadata-restore     restore-metadata step vs a bare `litestream restore`, same volumes  metadata_restore.py
#   overlay-freeze       the overlay image's frozen window during a checkpoint             overlay_freeze.py
#   daemon-idle          `juicectl run` resident memory and CPU on two converged volumes   daemon_idle.py
#   engines              converge-noop on Redis and PostgreSQL metadata                    engines.py
#   many-checkpoints     `checkpoint list` and `plan` with 10 and 10,010 checkpoints       many_checkpoints.py
#
# Knobs (environment): BENCH_RUNS (30: runs of the converge-noop pairs), BENCH_CHECKPOINT_RUNS (5),
# BENCH_CHECKPOINT_FILES ("1000 10000 25000 50000"), BENCH_OVERLAY_FILES ("1000 50000"), BENCH_DAEMON_SECONDS (60),
# BENCH_MANY_CHECKPOINTS (10000), BENCH_CATALOG_RUNS (5), BENCH_HARDLINK_FILES (50000), BENCH_HARDLINK_RUNS (5),
# BENCH_QUIESCE_FILES ("1000 10000 50000"), BENCH_QUIESCE_RUNS (5),
# BENCH_SCRATCH (.build-bench: the release build's own scratch path, so that it never waits for, or disturbs, a debug
# build or test run in .build), BENCH_JUICECTL (a juicectl binary to measure instead of building one).
set -euo pipefail

STARTED=$(date +%s.%N)
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
export PATH="$ROOT/.tools/venv/bin:$PATH"
export PYTHONDONTWRITEBYTECODE=1   # no __pycache__ beside scripts/bench/*.py
export BENCH_RUNS=${BENCH_RUNS:-30}
export BENCH_CHECKPOINT_RUNS=${BENCH_CHECKPOINT_RUNS:-5}
export BENCH_CHECKPOINT_FILES=${BENCH_CHECKPOINT_FILES:-"1000 10000 25000 50000"}
export BENCH_OVERLAY_FILES=${BENCH_OVERLAY_FILES:-"1000 50000"}
export BENCH_DAEMON_SECONDS=${BENCH_DAEMON_SECONDS:-60}
export BENCH_MANY_CHECKPOINTS=${BENCH_MANY_CHECKPOINTS:-10000}
export BENCH_CATALOG_RUNS=${BENCH_CATALOG_RUNS:-5}
export BENCH_HARDLINK_FILES=${BENCH_HARDLINK_FILES:-50000}
export BENCH_HARDLINK_RUNS=${BENCH_HARDLINK_RUNS:-5}
export BENCH_QUIESCE_FILES=${BENCH_QUIESCE_FILES:-"1000 10000 50000"}
export BENCH_QUIESCE_RUNS=${BENCH_QUIESCE_RUNS:-5}
SCRATCH=${BENCH_SCRATCH:-$ROOT/.build-bench}
OUT="$ROOT/.bench"
export BENCH_RESULTS="$OUT/results.json"
BENCH="$ROOT/scripts/bench"
WORK=/tmp/juicectl-bench
mkdir -p "$OUT"

if [ "$(id -u)" -ne 0 ]; then echo "bench: run as root (it mounts real volumes)" >&2; exit 1; fi
section() { echo "bench: $* (load average $(cut -d' ' -f1 /proc/loadavg))" >&2; }

if [ -n "${BENCH_JUICECTL:-}" ]; then
  JUICECTL=$BENCH_JUICECTL   # a binary built beforehand: no build
else
  section "building the release binary (Swift runtime linked statically, as deployed) in $SCRATCH"
  # --static-swift-stdlib: the binary a host runs without a Swift toolchain; it is also the smaller resident set.
  swift build -c release --static-swift-stdlib --product juicectl --scratch-path "$SCRATCH" > "$OUT/build.log" 2>&1 ||
    { cat "$OUT/build.log" >&2; exit 1; }
  JUICECTL="$SCRATCH/release/juicectl"
fi
BENCH_STARTED=$STARTED BENCH_BUILD_SECONDS=$(python3 -c "import time; print(time.time() - $STARTED)") \
  python3 "$BENCH/report.py" init
rm -f "$OUT/report.md" "$OUT"/*.svg

cleanup() {
  for spec in "$WORK"/*.yaml; do
    [ -e "$spec" ] && "$JUICECTL" down "$spec" >/dev/null 2>&1 || true
  done
  if declare -F stop_servers >/dev/null; then stop_servers; fi
  rm -rf "$WORK"
}
on_exit() {
  cleanup
  # A run that stopped early still leaves a report of the sections it finished.
  if [ ! -f "$OUT/report.md" ]; then python3 "$BENCH/report.py" render >/dev/null 2>&1 || true; fi
}
trap on_exit EXIT
cleanup
mkdir -p "$WORK"

# converge-noop
section "converge-noop"
cat > "$WORK/spec.yaml" <<SPEC
version: 1
name: bench
baseDir: $WORK/base
SPEC
"$JUICECTL" apply "$WORK/spec.yaml" >/dev/null
sleep 15   # let the mount load the new quota (heartbeat), so the no-op apply is the steady state
python3 "$BENCH/converge_noop.py" "$JUICECTL" "$WORK/spec.yaml" "sqlite3://$WORK/base/metadata.db" "$BENCH_RUNS"
"$JUICECTL" down "$WORK/spec.yaml" >/dev/null && rm "$WORK/spec.yaml"

# checkpoint-restore and metadata-restore, one volume per file count. Trees are built from a 1,000-file tree by
# cloning (fast).
for FILES in $BENCH_CHECKPOINT_FILES; do
  section "checkpoint-restore and metadata-restore, $FILES files"
  CKDIR="$WORK/ck$FILES"
  cat > "$CKDIR.yaml" <<SPEC
version: 1
name: bench-ck$FILES
baseDir: $CKDIR
format:
  trashDays: 0
SPEC
  "$JUICECTL" apply "$CKDIR.yaml" >/dev/null
  python3 "$BENCH/checkpoint_restore.py" "$JUICECTL" "$CKDIR" "$FILES" "$BENCH_CHECKPOINT_RUNS"
  python3 "$BENCH/metadata_restore.py" "$JUICECTL" "$CKDIR" "$FILES"
  "$JUICECTL" down "$CKDIR.yaml" >/dev/null
  rm -rf "$CKDIR" "$CKDIR.yaml"
done

# quiesce: a quiesced checkpoint's frozen window against a bare clone, as the tree grows.
section "quiesce, $BENCH_QUIESCE_FILES files"
QDIR="$WORK/quiesce"
cat > "$QDIR.yaml" <<SPEC
version: 1
name: bench-quiesce
baseDir: $QDIR
format:
  trashDays: 0
SPEC
mkdir -p "$QDIR"
# shellcheck disable=SC2086
python3 "$BENCH/quiesce.py" "$JUICECTL" "$QDIR" "$BENCH_QUIESCE_RUNS" $BENCH_QUIESCE_FILES
"$JUICECTL" down "$QDIR.yaml" >/dev/null
rm -rf "$QDIR" "$QDIR.yaml"

# hardlinks: the same tree with and without 1 % of its files linked to a second name.
section "hardlinks, $BENCH_HARDLINK_FILES files"
HLDIR="$WORK/hardlinks"
cat > "$HLDIR.yaml" <<SPEC
version: 1
name: bench-hardlinks
baseDir: $HLDIR
format:
  trashDays: 0
SPEC
"$JUICECTL" apply "$HLDIR.yaml" >/dev/null
python3 "$BENCH/hardlinks.py" "$JUICECTL" "$HLDIR" "$BENCH_HARDLINK_FILES" "$BENCH_HARDLINK_RUNS"
"$JUICECTL" down "$HLDIR.yaml" >/dev/null
rm -rf "$HLDIR" "$HLDIR.yaml"

# overlay-freeze
section "overlay-freeze"
OVDIR="$WORK/ovl"
mkdir -p "$OVDIR/lower"
echo lower > "$OVDIR/lower/file"
cat > "$OVDIR.yaml" <<SPEC
version: 1
name: bench-overlay
baseDir: $OVDIR/base
format:
  trashDays: 0
overlay:
  imageSize: 10GiB
  lowerDirs: ["$OVDIR/lower"]
  target: "$OVDIR/newroot"
SPEC
"$JUICECTL" apply "$OVDIR.yaml" >/dev/null
# Some data in the upper layer, so that the freeze has something to flush.
dd if=/dev/urandom of="$OVDIR/newroot/upper-data" bs=1M count=64 status=none
# shellcheck disable=SC2086
python3 "$BENCH/overlay_freeze.py" "$JUICECTL" "$OVDIR" $BENCH_OVERLAY_FILES
"$JUICECTL" down "$OVDIR.yaml" >/dev/null && rm "$OVDIR.yaml"

# daemon-idle
section "daemon-idle"
for v in a b; do
  mkdir -p "$WORK/daemon-$v"
  cat > "$WORK/daemon-$v.yaml" <<SPEC
version: 1
name: bench-daemon-$v
baseDir: $WORK/daemon-$v/base
SPEC
  "$JUICECTL" apply "$WORK/daemon-$v.yaml" >/dev/null
done
"$JUICECTL" run "$WORK/daemon-a.yaml" "$WORK/daemon-b.yaml" --interval 5s --metrics-address 127.0.0.1:0 \
  --log-level notice > "$WORK/daemon.log" 2>&1 &
DAEMON=$!
python3 "$BENCH/daemon_idle.py" "$DAEMON" "$WORK/daemon.log" "$BENCH_DAEMON_SECONDS"
wait "$DAEMON" || { echo "bench: juicectl run did not exit 0 on SIGTERM" >&2; exit 1; }
for v in a b; do "$JUICECTL" down "$WORK/daemon-$v.yaml" >/dev/null && rm "$WORK/daemon-$v.yaml"; done

# engines: Redis (with a password) and PostgreSQL started here on loopback, stopped after.
section "engines (Redis, PostgreSQL)"
SRV="$WORK/servers"
mkdir -p "$SRV"
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
export BENCH_META_PASSWORD
BENCH_META_PASSWORD=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
REDIS_PORT=$(free_port)
redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$SRV" --daemonize yes --pidfile "$SRV/redis.pid" \
  --logfile "$SRV/redis.log" --appendonly yes --save '' --requirepass "$BENCH_META_PASSWORD" >/dev/null
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
PG_PORT=$(free_port)
mkdir -p "$SRV/pg" && chown postgres: "$SRV/pg"
runuser -u postgres -- "$PG_BIN/initdb" -D "$SRV/pg/data" -A trust -U postgres >/dev/null
runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$SRV/pg/data" -l "$SRV/pg/log" -w \
  -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $SRV/pg" start >/dev/null
runuser -u postgres -- "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -q -c 'CREATE DATABASE benchjfs' >/dev/null
stop_servers() {
  redis-cli -p "$REDIS_PORT" -a "$BENCH_META_PASSWORD" --no-auth-warning shutdown nosave >/dev/null 2>&1 || true
  runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$SRV/pg/data" -m fast -w stop >/dev/null 2>&1 || true
}
REDIS_URL="redis://127.0.0.1:$REDIS_PORT/1"
POSTGRES_URL="postgres://postgres@127.0.0.1:$PG_PORT/benchjfs?sslmode=disable"
for engine in redis postgres; do
  if [ "$engine" = redis ]; then URL=$REDIS_URL; PASSWORD_KEY="  password: {env: BENCH_META_PASSWORD}"
  else URL=$POSTGRES_URL; PASSWORD_KEY=""; fi
  cat > "$WORK/engine-$engine.yaml" <<SPEC
version: 1
name: bench-$engine
baseDir: $WORK/engine-$engine
metadata:
  url: $URL
$PASSWORD_KEY
SPEC
  "$JUICECTL" apply "$WORK/engine-$engine.yaml" >/dev/null
done
sleep 15   # the quota heartbeat, as above
python3 "$BENCH/engines.py" "$JUICECTL" "$WORK" "$BENCH_RUNS" "$REDIS_URL" "$POSTGRES_URL"
for engine in redis postgres; do "$JUICECTL" down "$WORK/engine-$engine.yaml" >/dev/null && rm "$WORK/engine-$engine.yaml"; done
stop_servers

# many-checkpoints: a schedule whose retention keeps every checkpoint, so that plan reads the whole catalog.
section "many-checkpoints (10 and $((BENCH_MANY_CHECKPOINTS + 10)) checkpoints)"
MANY="$WORK/many"
cat > "$MANY.yaml" <<SPEC
version: 1
name: bench-many
baseDir: $MANY
format:
  trashDays: 0
checkpoints:
  schedule: "@every 15m"
  retain:
    last: $((BENCH_MANY_CHECKPOINTS * 2 + 100))
    hourly: 24
    daily: 7
    weekly: 4
    monthly: 12
SPEC
"$JUICECTL" apply "$MANY.yaml" >/dev/null
python3 "$BENCH/many_checkpoints.py" "$JUICECTL" "$MANY" "$BENCH_MANY_CHECKPOINTS" "$BENCH_CATALOG_RUNS"
"$JUICECTL" down "$MANY.yaml" >/dev/null && rm "$MANY.yaml"

python3 "$BENCH/report.py" finish
section "done in $(python3 -c "import time; print(round((time.time() - $STARTED) / 60, 1))") min: .bench/report.md, .bench/*.svg, .bench/results.json"
