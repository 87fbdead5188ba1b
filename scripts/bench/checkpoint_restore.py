"""checkpoint-restore: `juicectl checkpoint create` and `juicectl restore` of a tree of FILES files next to a bare
`juicefs clone --preserve` of the same /active, interleaved (targets, from 10,000 files up: create within 1.1 and
restore within 1.2 of the bare clone).

Usage: checkpoint_restore.py JUICECTL BASE FILES RUNS   (BASE.yaml is the spec, BASE/data the mount point)
"""
import json, subprocess, sys
from benchlib import grow_tree, quiet, record, summary, timed

juicectl, base, files, runs = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
spec, mount = base + ".yaml", base + "/data"
grow_tree(f"{mount}/active/fs", files)
bare, create, restore = [], [], []
timed([juicectl, "checkpoint", "create", spec, "base"])
for i in range(runs):
    bare.append(timed(["juicefs", "clone", "--preserve", f"{mount}/active", f"{mount}/checkpoints/bare{i}"])[0])
    quiet(["juicefs", "rmr", f"{mount}/checkpoints/bare{i}"])
    create.append(timed([juicectl, "checkpoint", "create", spec, f"c{i}"])[0])
    quiet([juicectl, "checkpoint", "delete", spec, f"c{i}"])
    restore.append(timed([juicectl, "restore", spec, "base"])[0])
    listing = json.loads(subprocess.run([juicectl, "checkpoint", "list", spec, "--json"], capture_output=True,
                                        text=True, check=True).stdout)
    for entry in listing["checkpoints"]:
        if entry["kind"] == "pre-restore":
            quiet([juicectl, "checkpoint", "delete", spec, entry["name"]])
record("checkpoint-restore", {"files": files, "runs": runs, "bare": summary(bare), "create": summary(create),
                              "restore": summary(restore)}, point=True)
