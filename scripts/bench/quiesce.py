"""quiesce: the sandbox's frozen window during a quiesced `checkpoint create`, at each file count, next to a bare
`juicefs clone --preserve` of the same tree in the same run, interleaved (target: frozen window at most 1.1 x the bare
clone + 20 ms). The sandbox is a cgroup v2 directory made here, with a writer appending to a file outside the tree,
so that the freeze has a running task to stop; the window is the one juicectl reports (`details.frozenMilliseconds`
of `checkpoint create --json`), measured from the first freeze written to the last thaw written.

Usage: quiesce.py JUICECTL BASE RUNS FILES...   (BASE.yaml is the spec, BASE/data the mount point)
"""
import json, os, signal, subprocess, sys, time
from benchlib import grow_tree, quiet, record, summary, timed

juicectl, base, runs, counts = sys.argv[1], sys.argv[2], int(sys.argv[3]), [int(c) for c in sys.argv[4:]]
spec, mount = base + ".yaml", base + "/data"
cgroup = f"/sys/fs/cgroup/unified/juicectl-bench-{os.getpid()}"
os.makedirs(cgroup)
writer = subprocess.Popen(["/bin/sh", "-c", f"while :; do date +%s%N >> {base}/writer.log; done"])
with open(f"{cgroup}/cgroup.procs", "w") as f:
    f.write(str(writer.pid))
with open(spec, "a") as f:
    f.write(f'checkpoints:\n  quiesce:\n    cgroups: ["{cgroup}"]\n    maxFrozen: 60s\n')
quiet([juicectl, "apply", spec])


def bare():
    ms = timed(["juicefs", "clone", "--preserve", f"{mount}/active", f"{mount}/checkpoints/bare"])[0]
    quiet(["juicefs", "rmr", f"{mount}/checkpoints/bare"])
    return ms


def create(name):
    ms, out = timed([juicectl, "checkpoint", "create", "--json", spec, name])
    quiet([juicectl, "checkpoint", "delete", spec, name])
    results = json.loads(out)["volumes"][0]["results"]
    return ms, float(results[-1]["details"]["frozenMilliseconds"])


try:
    create("warm-up")
    for files in counts:
        grow_tree(f"{mount}/active/fs", files)
        bare_ms, frozen_ms, create_ms = [], [], []
        for i in range(runs):
            bare_ms.append(bare())
            ms, frozen = create(f"q{files}-{i}")
            create_ms.append(ms)
            frozen_ms.append(frozen)
        record("quiesce", {"files": files, "runs": runs, "bare": summary(bare_ms), "frozen": summary(frozen_ms),
                           "create": summary(create_ms)}, point=True)
finally:
    writer.send_signal(signal.SIGKILL)
    writer.wait()
    for _ in range(50):
        try:
            os.rmdir(cgroup)
            break
        except OSError:
            time.sleep(0.1)
