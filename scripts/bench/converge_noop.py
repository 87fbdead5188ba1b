"""converge-noop: `juicectl apply` and `plan` on a converged volume next to one bare `juicefs status` on the same
volume, interleaved (target: apply below 1.0 of the status call, because a converged volume needs no juicefs call).

Usage: converge_noop.py JUICECTL SPEC METADATA_URL RUNS
"""
import json, sys
from benchlib import record, summary, timed

juicectl, spec, meta, runs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
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

probes = json.loads(timed([juicectl, "status", "--json", spec])[1])["volumes"][0]["observation"]["probes"]
record("converge-noop", {
    "runs": runs, "apply": summary(apply_ms), "plan": summary(plan_ms), "status": summary(status_ms),
    "probes": len(probes), "juicefsCalls": sum(1 for p in probes if p["source"].startswith("juicefs ")),
    "observeMs": sum(p["microseconds"] for p in probes) / 1000,
})
