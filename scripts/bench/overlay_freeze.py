"""overlay-freeze: how long the overlay image's filesystem stays frozen during a checkpoint, as juicectl reports it,
with a growing number of files in active/fs (target: median under 200 ms at every count, and not growing with the
file count: the largest count's median within 1.25 of the smallest's).

Usage: overlay_freeze.py JUICECTL BASE COUNT...   (BASE.yaml is the spec, BASE/base/data the mount point)
"""
import re, statistics, subprocess, sys
from benchlib import grow_tree, record, summary

juicectl, base, counts = sys.argv[1], sys.argv[2], [int(c) for c in sys.argv[3:]]
spec, fs = base + ".yaml", base + "/base/data/active/fs"
points = []
for total in counts:
    grow_tree(fs, total, file_size=128)
    frozen = []
    for run in range(5):
        out = subprocess.run([juicectl, "checkpoint", "create", spec, f"f{total}-{run}"], capture_output=True,
                             text=True, check=True).stdout
        frozen.append(int(re.search(r"overlay image frozen for (\d+) ms", out).group(1)))
        subprocess.run([juicectl, "checkpoint", "delete", spec, f"f{total}-{run}"], capture_output=True, check=True)
    points.append({"files": total, "frozen": summary(frozen)})
record("overlay-freeze", {"points": points})
