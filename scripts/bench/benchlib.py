"""Shared helpers of the benchmark sections (scripts/bench/*.py, run by scripts/bench.sh).

Every section appends its raw figures to .bench/results.json (BENCH_RESULTS) under its own key; report.py renders
.bench/report.md and the plots from that file alone, so both can be regenerated without rerunning anything.
"""
import json, os, statistics, subprocess, sys, time

RESULTS = os.environ.get("BENCH_RESULTS", os.path.join(os.path.dirname(__file__), "..", "..", ".bench", "results.json"))


def load():
    with open(RESULTS) as f:
        return json.load(f)


def save(results):
    temporary = RESULTS + ".tmp"
    with open(temporary, "w") as f:
        json.dump(results, f, indent=1, sort_keys=True)
        f.write("\n")
    os.replace(temporary, RESULTS)


def loadavg():
    return float(open("/proc/loadavg").read().split()[0])


def record(section, data, point=False):
    """Stores a section's figures, with the 1-minute load average at the end; `point=True` appends one point (one
    file count) to the section's `points` instead."""
    results = load()
    sections = results.setdefault("sections", {})
    if point:
        entry = sections.setdefault(section, {"points": []})
        data = dict(data, loadAfter=loadavg())
        entry["points"].append(data)
    else:
        sections[section] = dict(data, loadAfter=loadavg())
    save(results)
    # Progress on the terminal: the section as the report renders it.
    import report
    print(report.render_section(section, sections[section]), flush=True)


def summary(values):
    """Median, p90, min, max and the samples themselves (milliseconds)."""
    ordered = sorted(values)
    return {"median": statistics.median(ordered), "p90": ordered[max(0, int(len(ordered) * 0.9) - 1)],
            "min": ordered[0], "max": ordered[-1], "samples": [round(v, 3) for v in values]}


def timed(argv, env=None, check=True):
    """Wall time of one whole process in ms, and its stdout."""
    start = time.perf_counter_ns()
    result = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    elapsed = (time.perf_counter_ns() - start) / 1e6
    if check and result.returncode != 0:
        sys.exit(f"bench: {' '.join(argv)} failed (exit {result.returncode}):\n"
                 f"{result.stdout.decode()}{result.stderr.decode()}")
    return elapsed, result.stdout.decode()


def quiet(argv):
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)


def grow_tree(root, total, file_size=256):
    """A tree of `total` files under `root`: a 1,000-file seed, then `juicefs clone`s of it (fast); idempotent, so a
    tree can grow from one count to the next."""
    seed = os.path.join(root, "seed")
    if not os.path.isdir(seed):
        os.makedirs(seed + ".partial", exist_ok=True)
        for i in range(1000):
            with open(os.path.join(seed + ".partial", f"f{i}"), "wb") as f:
                f.write(os.urandom(file_size))
        os.rename(seed + ".partial", seed)
    for i in range(1, total // 1000):
        target = os.path.join(root, f"copy{i}")
        if not os.path.exists(target):
            quiet(["juicefs", "clone", seed, target])
