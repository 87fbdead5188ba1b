"""metadata-restore: the restore-metadata step of a recovering `juicectl apply` (database deleted, replica kept) next
to a bare `litestream restore` of the same replica (target: within 1.1), and the whole recovering apply.

Usage: metadata_restore.py JUICECTL BASE FILES   (the volume is mounted; it is left unmounted)
"""
import json, os, subprocess, sys, time
from benchlib import record, summary

juicectl, base, files = sys.argv[1], sys.argv[2], int(sys.argv[3])
spec, database, replica = base + ".yaml", base + "/metadata.db", base + "/replica"
time.sleep(3)  # let Litestream ship the last writes
subprocess.run([juicectl, "down", spec], check=True, capture_output=True)
step, whole, bare = [], [], []
target = f"/tmp/juicectl-bench-restore-{os.getpid()}.db"
for i in range(3):
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
record("metadata-restore", {"files": files, "databaseMB": os.path.getsize(database) / 1e6, "bare": summary(bare),
                            "step": summary(step), "whole": summary(whole)}, point=True)
