#!/usr/bin/env bash
# Benchmarks of juicectl, printed and written to .bench/report.md (ignored by git).
#
# converge-noop: wall time of `juicectl apply` on a converged volume next to one bare `juicefs status` on the same
# volume, measured in the same run, interleaved, and their ratio (target: below 1.0, because a converged volume
# needs no juicefs call at all).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
export PATH="$ROOT/.tools/venv/bin:$PATH"
RUNS=${BENCH_RUNS:-30}
OUT="$ROOT/.bench"
WORK=/tmp/juicectl-bench
mkdir -p "$OUT"

if [ "$(id -u)" -ne 0 ]; then echo "bench: run as root (it mounts a real volume)" >&2; exit 1; fi

echo "bench: building release binary (Swift runtime linked statically, as deployed)" >&2
# --static-swift-stdlib: the binary a host runs without a Swift toolchain; it is also the smaller resident set.
swift build -c release --static-swift-stdlib --product juicectl > "$OUT/build.log" 2>&1 || { cat "$OUT/build.log" >&2; exit 1; }
JUICECTL="$ROOT/.build/release/juicectl"

cleanup() {
  for spec in "$WORK"/*.yaml; do
    [ -e "$spec" ] && "$JUICECTL" down "$spec" >/dev/null 2>&1 || true
  done
  if declare -F stop_servers >/dev/null; then stop_servers; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
cleanup
mkdir -p "$WORK"
cat > "$WORK/spec.yaml" <<SPEC
version: 1
name: bench
baseDir: $WORK/base
SPEC
"$JUICECTL" apply "$WORK/spec.yaml" >/dev/null
sleep 15   # let the mount load the new quota (heartbeat), so the no-op apply is the steady state
META="sqlite3://$WORK/base/metadata.db"

python3 - "$JUICECTL" "$WORK/spec.yaml" "$META" "$RUNS" "$OUT/report.md" <<'PY'
import json, os, platform, statistics, subprocess, sys, time

juicectl, spec, meta, runs, report = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]

def timed(argv):
    start = time.perf_counter_ns()
    result = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    elapsed = (time.perf_counter_ns() - start) / 1e6
    if result.returncode != 0:
        sys.exit(f"bench: {' '.join(argv)} failed: {result.stderr.decode()}")
    return elapsed, result.stdout.decode()

apply_ms, status_ms, plan_ms = [], [], []
for _ in range(3):  # warm-up
    timed([juicectl, "apply", spec]); timed(["juicefs", "status", meta])
for _ in range(runs):
    elapsed, out = timed([juicectl, "apply", spec])
    if "No changes" not in out:
        sys.exit("bench: the volume is not converged:\n" + out)
    apply_ms.append(elapsed)
    status_ms.append(timed(["juicefs", "status", meta])[0])
    plan_ms.append(timed([juicectl, "plan", spec])[0])

_, status_json = timed([juicectl, "status", "--json", spec])
probes = json.loads(status_json)["volumes"][0]["observation"]["probes"]
observe_us = sum(p["microseconds"] for p in probes)
juicefs_calls = sum(1 for p in probes if p["source"].startswith("juicefs "))

def stats(values):
    values = sorted(values)
    return statistics.median(values), values[int(len(values) * 0.9) - 1], values[0]

a, s, p = stats(apply_ms), stats(status_ms), stats(plan_ms)
ratio = a[0] / s[0]
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
mem = next((l.split()[1] for l in open("/proc/meminfo") if l.startswith("MemTotal")), "?")
lines = [
    "# juicectl benchmarks",
    "",
    f"Machine: {os.cpu_count()} cores ({cpu}), {int(mem) // 1024 // 1024} GiB, kernel {platform.release()}; "
    f"juicefs {subprocess.run(['juicefs', 'version'], capture_output=True, text=True).stdout.strip()}; "
    f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; {runs} runs each, interleaved, release build.",
    "",
    "## converge-noop: apply on a converged volume vs one bare `juicefs status`",
    "",
    "| command | median ms | p90 ms | min ms |",
    "|---|---|---|---|",
    f"| `juicectl apply` (no-op, whole process) | {a[0]:.1f} | {a[1]:.1f} | {a[2]:.1f} |",
    f"| `juicectl plan` (no-op, whole process) | {p[0]:.1f} | {p[1]:.1f} | {p[2]:.1f} |",
    f"| `juicefs status` (one call) | {s[0]:.1f} | {s[1]:.1f} | {s[2]:.1f} |",
    "",
    f"**Ratio no-op apply / juicefs status: {ratio:.2f}** (target: below 1.0).",
    "",
    f"Observation of the converged volume inside juicectl: {len(probes)} probes, {juicefs_calls} juicefs calls, "
    f"{observe_us / 1000:.2f} ms in all.",
    "",
]
open(report, "w").write("\n".join(lines))
print("\n".join(lines))
PY
# checkpoint-restore: juicectl checkpoint create / restore of trees of 10,000 and 50,000 files next to a bare
# `juicefs clone` of the same tree, interleaved. Trees are built from a 1,000-file tree by cloning (fast).
for FILES in 10000 50000; do
  CKDIR="$WORK/ck$FILES"
  cat > "$CKDIR.yaml" <<SPEC
version: 1
name: bench-ck$FILES
baseDir: $CKDIR
format:
  trashDays: 0
SPEC
  "$JUICECTL" apply "$CKDIR.yaml" >/dev/null
  python3 - "$CKDIR/data/active/fs" "$FILES" <<'PY'
import os, subprocess, sys
root, total = sys.argv[1], int(sys.argv[2])
seed = os.path.join(root, "seed")
os.makedirs(seed, exist_ok=True)
for i in range(1000):
    with open(os.path.join(seed, f"f{i}"), "wb") as f:
        f.write(os.urandom(256))
for i in range(1, total // 1000):
    subprocess.run(["juicefs", "clone", seed, os.path.join(root, f"copy{i}")], check=True)
PY
  python3 - "$JUICECTL" "$CKDIR" "$FILES" "$OUT/report.md" <<'PY'
import os, statistics, subprocess, sys, time
juicectl, base, files, report = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
spec, mount = base + ".yaml", base + "/data"

def timed(argv):
    start = time.perf_counter_ns()
    result = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if result.returncode != 0:
        sys.exit(f"bench: {' '.join(argv)} failed: {result.stdout.decode()}{result.stderr.decode()}")
    return (time.perf_counter_ns() - start) / 1e6

def quiet(argv):
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)

bare, create, restore = [], [], []
timed([juicectl, "checkpoint", "create", spec, "base"])
for i in range(int(os.environ.get("BENCH_CHECKPOINT_RUNS", "5"))):
    bare.append(timed(["juicefs", "clone", "--preserve", f"{mount}/active", f"{mount}/checkpoints/bare{i}"]))
    quiet(["juicefs", "rmr", f"{mount}/checkpoints/bare{i}"])
    create.append(timed([juicectl, "checkpoint", "create", spec, f"c{i}"]))
    quiet([juicectl, "checkpoint", "delete", spec, f"c{i}"])
    restore.append(timed([juicectl, "restore", spec, "base"]))
    listing = subprocess.run([juicectl, "checkpoint", "list", spec, "--json"], capture_output=True, text=True, check=True).stdout
    import json
    for entry in json.loads(listing)["checkpoints"]:
        if entry["kind"] == "pre-restore":
            quiet([juicectl, "checkpoint", "delete", spec, entry["name"]])

b, c, r = statistics.median(bare), statistics.median(create), statistics.median(restore)
lines = [
    f"## checkpoint-restore: {int(files):,} files",
    "",
    "| operation | median ms | ratio to bare clone | target |",
    "|---|---|---|---|",
    f"| bare `juicefs clone --preserve` of /active | {b:.0f} | 1.00 | |",
    f"| `juicectl checkpoint create` (whole process) | {c:.0f} | {c / b:.2f} | 1.1 |",
    f"| `juicectl restore` (whole process) | {r:.0f} | {r / b:.2f} | 1.2 |",
    "",
]
open(report, "a").write("\n".join(lines))
print("\n".join(lines))
PY
  # metadata-restore: the restore-metadata step of a recovering apply (database deleted, replica kept) next to a
  # bare `litestream restore` of the same replica.
  python3 - "$JUICECTL" "$CKDIR" "$FILES" "$OUT/report.md" <<'PY'
import json, os, statistics, subprocess, sys, time
juicectl, base, files, report = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
spec, database, replica = base + ".yaml", base + "/metadata.db", base + "/replica"
time.sleep(3)  # let Litestream ship the last writes
subprocess.run([juicectl, "down", spec], check=True, capture_output=True)
step, whole, bare = [], [], []
for i in range(3):
    target = f"/tmp/juicectl-bench-restore-{os.getpid()}.db"
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(target + suffix): os.remove(target + suffix)
    start = time.perf_counter_ns()
    subprocess.run(["litestream", "restore", "-o", target, "file://" + replica], check=True, capture_output=True)
    bare.append((time.perf_counter_ns() - start) / 1e6)
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(target + suffix): os.remove(target + suffix)
        if os.path.exists(database + suffix): os.remove(database + suffix)
    start = time.perf_counter_ns()
    out = subprocess.run([juicectl, "apply", spec, "--json"], capture_output=True, text=True, check=True).stdout
    whole.append((time.perf_counter_ns() - start) / 1e6)
    results = json.loads(out)["volumes"][0]["results"]
    step.append(next(r["milliseconds"] for r in results if r["kind"] == "restore-metadata"))
    subprocess.run([juicectl, "down", spec], check=True, capture_output=True)
s, w, b = statistics.median(step), statistics.median(whole), statistics.median(bare)
size = os.path.getsize(database) / 1e6
lines = [
    f"## metadata-restore: {int(files):,} files ({size:.1f} MB database)",
    "",
    "| operation | median ms | ratio to bare restore | target |",
    "|---|---|---|---|",
    f"| bare `litestream restore` of the replica (whole process) | {b:.0f} | 1.00 | |",
    f"| juicectl's restore-metadata step | {s:.0f} | {s / b:.2f} | 1.1 |",
    f"| whole recovering `juicectl apply` (restore, start Litestream, mount) | {w:.0f} | | |",
    "",
]
open(report, "a").write("\n".join(lines))
print("\n".join(lines))
PY
  "$JUICECTL" down "$CKDIR.yaml" >/dev/null
done
# overlay-freeze: how long the overlay image's filesystem stays frozen during a checkpoint, with 1,000 and 50,000
# files in active/fs (target: under 200 ms, not growing with the file count).
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
python3 - "$JUICECTL" "$OVDIR" "$OUT/report.md" <<'PY'
import os, re, statistics, subprocess, sys
juicectl, base, report = sys.argv[1], sys.argv[2], sys.argv[3]
spec, fs = base + ".yaml", base + "/base/data/active/fs"
seed = os.path.join(fs, "seed")
os.makedirs(seed, exist_ok=True)
for i in range(1000):
    with open(os.path.join(seed, f"f{i}"), "wb") as f:
        f.write(os.urandom(128))
rows = []
for total in (1000, 50000):
    for i in range(1, total // 1000):
        target = os.path.join(fs, f"copy{i}")
        if not os.path.exists(target):
            subprocess.run(["juicefs", "clone", seed, target], check=True)
    frozen = []
    for run in range(5):
        out = subprocess.run([juicectl, "checkpoint", "create", spec, f"f{total}-{run}"], capture_output=True, text=True, check=True).stdout
        frozen.append(int(re.search(r"overlay image frozen for (\d+) ms", out).group(1)))
        subprocess.run([juicectl, "checkpoint", "delete", spec, f"f{total}-{run}"], capture_output=True, check=True)
    rows.append((total, statistics.median(frozen), max(frozen)))
lines = ["## overlay-freeze: frozen window of a checkpoint with the overlay in use", "",
         "| files in active/fs | median ms | max ms | target |", "|---|---|---|---|"]
lines += [f"| {total:,} | {median:.0f} | {worst} | < 200, flat |" for total, median, worst in rows]
lines.append("")
open(report, "a").write("\n".join(lines))
print("\n".join(lines))
PY
"$JUICECTL" down "$OVDIR.yaml" >/dev/null

# daemon-idle: what `juicectl run` costs on a converged host: two volumes at a 5 s interval, resident memory and CPU
# (its own and its children's) over one minute, after a warm-up (target: under 30 MiB RSS, under 1 % of one core).
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
python3 - "$DAEMON" "$WORK/daemon.log" "$OUT/report.md" "${BENCH_DAEMON_SECONDS:-60}" <<'PY'
import os, re, signal, socket, sys, time
pid, log, report, seconds = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
tick = os.sysconf("SC_CLK_TCK")

def cpu():
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    utime, stime, cutime, cstime = (int(x) for x in fields[11:15])
    return (utime + stime) / tick, (cutime + cstime) / tick

def rss_kib():
    """VmRSS with its anonymous and file-backed parts, in KiB."""
    fields = {}
    for line in open(f"/proc/{pid}/status"):
        key, _, value = line.partition(":")
        if key in ("VmRSS", "RssAnon", "RssFile"):
            fields[key] = int(value.split()[0])
    return fields["VmRSS"], fields["RssAnon"], fields["RssFile"]

def metrics():
    port = int(re.search(r"127\.0\.0\.1:(\d+)/metrics", open(log).read()).group(1))
    with socket.create_connection(("127.0.0.1", port)) as conn:
        conn.sendall(b"GET /metrics HTTP/1.0\r\nHost: localhost\r\n\r\n")
        data = b""
        while chunk := conn.recv(65536):
            data += chunk
    text = data.decode()
    passes = sum(float(m.group(1)) for m in re.finditer(r'^juicectl_reconciles_total\{[^}]*\} (\S+)$', text, re.M))
    converged = sum(float(m.group(1)) for m in re.finditer(r'^juicectl_reconciles_total\{[^}]*result="converged"\} (\S+)$', text, re.M))
    return passes, converged

time.sleep(20)  # warm-up: first passes, quota heartbeat, Litestream's first snapshot
own0, children0 = cpu()
passes0, converged0 = metrics()
samples = []
start = time.monotonic()
while time.monotonic() - start < seconds:
    samples.append(rss_kib())
    time.sleep(1)
elapsed = time.monotonic() - start
own1, children1 = cpu()
passes1, converged1 = metrics()
own = (own1 - own0) / elapsed * 100
total = (own1 - own0 + children1 - children0) / elapsed * 100
peak, mean = max(s[0] for s in samples) / 1024, sum(s[0] for s in samples) / len(samples) / 1024
anon, file = max(s[1] for s in samples) / 1024, max(s[2] for s in samples) / 1024
os.kill(pid, signal.SIGTERM)
lines = [f"## daemon-idle: juicectl run, 2 converged volumes, 5 s interval, {elapsed:.0f} s", "",
         "| figure | value | target |", "|---|---|---|",
         f"| resident memory, peak | {peak:.1f} MiB | < 30 MiB |",
         f"| resident memory, mean | {mean:.1f} MiB | |",
         f"| of which anonymous (heap, stacks), peak | {anon:.1f} MiB | |",
         f"| of which file-backed (the binary's own clean pages, reclaimable), peak | {file:.1f} MiB | |",
         f"| CPU, juicectl itself | {own:.2f} % of one core | < 1 % |",
         f"| CPU, with child processes | {total:.2f} % of one core | |",
         f"| passes in the window | {passes1 - passes0:.0f} ({converged1 - converged0:.0f} converged) | 2 volumes x {elapsed / 5:.0f} |",
         ""]
open(report, "a").write("\n".join(lines))
print("\n".join(lines))
PY
wait "$DAEMON" || { echo "bench: juicectl run did not exit 0 on SIGTERM" >&2; exit 1; }
for v in a b; do "$JUICECTL" down "$WORK/daemon-$v.yaml" >/dev/null; done

# converge-noop on shared engines: the no-op apply of a volume with Redis, then PostgreSQL metadata (servers started
# here on loopback, stopped after), next to one bare `juicefs status` on the same volume, interleaved.
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
for engine in redis postgres; do
  if [ "$engine" = redis ]; then
    URL="redis://127.0.0.1:$REDIS_PORT/1"; PASSWORD_KEY="  password: {env: BENCH_META_PASSWORD}"
  else
    URL="postgres://postgres@127.0.0.1:$PG_PORT/benchjfs?sslmode=disable"; PASSWORD_KEY=""
  fi
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
python3 - "$JUICECTL" "$WORK" "$RUNS" "$OUT/report.md" "redis://127.0.0.1:$REDIS_PORT/1" \
  "postgres://postgres@127.0.0.1:$PG_PORT/benchjfs?sslmode=disable" <<'PY'
import os, statistics, subprocess, sys, time
juicectl, work, runs, report, redis_url, postgres_url = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5], sys.argv[6]
env = dict(os.environ, META_PASSWORD=os.environ["BENCH_META_PASSWORD"])

def timed(argv, environment=None):
    start = time.perf_counter_ns()
    result = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=environment)
    if result.returncode != 0:
        sys.exit(f"bench: {argv[0]} {argv[1]} failed: {result.stderr.decode()}")
    return (time.perf_counter_ns() - start) / 1e6, result.stdout.decode()

lines = ["## converge-noop on Redis and PostgreSQL metadata (servers on loopback)", "",
         "| engine | `juicectl apply` no-op, median ms | bare `juicefs status`, median ms | ratio | target |", "|---|---|---|---|---|"]
for engine, url in (("redis", redis_url), ("postgres", postgres_url)):
    spec = f"{work}/engine-{engine}.yaml"
    apply_ms, status_ms = [], []
    for i in range(runs + 3):
        elapsed, out = timed([juicectl, "apply", spec])
        if "No changes" not in out:
            sys.exit(f"bench: the {engine} volume is not converged:\n{out}")
        status = timed(["juicefs", "status", url], env)[0]
        if i >= 3:
            apply_ms.append(elapsed); status_ms.append(status)
    a, s = statistics.median(apply_ms), statistics.median(status_ms)
    lines.append(f"| {engine} | {a:.1f} | {s:.1f} | {a / s:.2f} | < 1.0 |")
lines.append("")
open(report, "a").write("\n".join(lines))
print("\n".join(lines))
PY
for engine in redis postgres; do "$JUICECTL" down "$WORK/engine-$engine.yaml" >/dev/null; done
stop_servers

echo "bench: report written to .bench/report.md" >&2
