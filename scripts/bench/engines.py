"""converge-noop on shared engines: the no-op `juicectl apply` of a volume with Redis, then PostgreSQL metadata, next
to one bare `juicefs status` on the same volume, interleaved (target: below 1.0).

Usage: engines.py JUICECTL WORK RUNS REDIS_URL POSTGRES_URL   (BENCH_META_PASSWORD: the Redis password)
"""
import os, sys
from benchlib import record, summary, timed

juicectl, work, runs, redis_url, postgres_url = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
env = dict(os.environ, META_PASSWORD=os.environ["BENCH_META_PASSWORD"])
figures = {"runs": runs}
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
    figures[engine] = {"apply": summary(apply_ms), "status": summary(status_ms)}
record("engines", figures)
