"""many-checkpoints: `juicectl checkpoint list --json` and `juicectl plan` on a volume whose catalog holds 10
checkpoints, then COUNT + 10, interleaved with a bare floor: listing both directories and reading every manifest from
Python in one process, which is what any reader of this catalog layout pays on the mount (targets at COUNT + 10:
list and plan each under 1 s, whole process). The spec has an `@every 15m` schedule and a retention that keeps every
checkpoint, so `plan` reads the whole catalog and decides retention over it (a spec without schedule and retention
reads no manifest in `plan`).

Usage: many_checkpoints.py JUICECTL BASE COUNT RUNS   (BASE.yaml is the spec, BASE/data the mount point; mounted)
"""
import json, os, subprocess, sys, time
from benchlib import record, summary, timed

juicectl, base, count, runs = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
spec, mount = base + ".yaml", base + "/data"
manifests_dir = f"{mount}/checkpoints/.juicectl/manifests"


def listing():
    return json.loads(timed([juicectl, "checkpoint", "list", spec, "--json"])[1])


def floor():
    start = time.perf_counter_ns()
    os.listdir(f"{mount}/checkpoints")
    for name in os.listdir(manifests_dir):
        with open(os.path.join(manifests_dir, name), "rb") as f:
            f.read()
    return (time.perf_counter_ns() - start) / 1e6


def measure(expected):
    entries = listing()
    if len(entries["checkpoints"]) != expected or entries["leftovers"]:
        sys.exit(f"bench: expected {expected} checkpoints and no leftovers, the catalog lists "
                 f"{len(entries['checkpoints'])} and {len(entries['leftovers'])} leftovers")
    if any(not e["hasManifest"] for e in entries["checkpoints"]):
        sys.exit("bench: a checkpoint's manifest was not read")
    timed([juicectl, "plan", spec])  # warm-up
    list_ms, plan_ms, floor_ms = [], [], []
    for _ in range(runs):
        list_ms.append(timed([juicectl, "checkpoint", "list", spec, "--json"])[0])
        plan_ms.append(timed([juicectl, "plan", spec])[0])
        floor_ms.append(floor())
    plan = json.loads(timed([juicectl, "plan", spec, "--json"])[1])["volumes"][0]["actions"]
    probes = json.loads(timed([juicectl, "status", "--json", spec], check=False)[1])["volumes"][0]["observation"]["probes"]
    catalog = {p["source"]: p["microseconds"] / 1000 for p in probes
               if p["source"] in ("list checkpoints", "list manifests") or p["source"].endswith(" manifests")}
    return {"checkpoints": expected, "list": summary(list_ms), "plan": summary(plan_ms), "floor": summary(floor_ms),
            "planActions": len(plan), "catalogProbesMs": catalog}


# The schedule's first checkpoint was taken by the apply that made the volume; manual ones up to 10.
present = len(listing()["checkpoints"])
for i in range(present, 10):
    timed([juicectl, "checkpoint", "create", spec, f"manual-{i}", "--note", "bench"])
small = measure(10)
start = time.monotonic()
subprocess.run([sys.executable, os.path.join(os.path.dirname(__file__), "make_catalog.py"), mount, str(count)], check=True)
made = time.monotonic() - start
large = measure(count + 10)
record("many-checkpoints", {"runs": runs, "cases": [small, large], "generateSeconds": made})
