"""hardlinks: what keeping hard links costs a checkpoint. A tree of FILES files, 1 % of them with a second name in
another directory, against the same tree without the second names; `juicectl checkpoint create` of each next to a
bare `juicefs clone --preserve` of each, interleaved (target: create with links within 1.10 of create without).

juicectl reports what it found and re-linked in its result (`, 500 hard links kept (found in 15 ms, re-linked in
380 ms)`): those figures are recorded too, and checked against the links the script made.

Usage: hardlinks.py JUICECTL BASE FILES RUNS   (BASE.yaml is the spec, BASE/data the mount point)
"""
import os, re, sys
from benchlib import grow_tree, quiet, record, summary, timed

juicectl, base, files, runs = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
spec, mount = base + ".yaml", base + "/data"
fs = f"{mount}/active/fs"
grow_tree(fs, files)
directories = sorted(d for d in os.listdir(fs) if os.path.isdir(os.path.join(fs, d)))
names = [(d, n) for d in directories for n in sorted(os.listdir(os.path.join(fs, d)))]
linked = names[::100]   # 1 %: every hundredth file gets a second name, in the next directory
second = [(os.path.join(fs, d, n), os.path.join(fs, directories[(directories.index(d) + 1) % len(directories)], f"second-{d}-{n}"))
          for d, n in linked]
NOTE = re.compile(r"clone of /active in (\d+) ms, (\d+) hard links? kept \(found in (\d+) ms, re-linked in (\d+) ms\)")


def add_links():
    for source, name in second:
        os.link(source, name)


def remove_links():
    for _, name in second:
        os.unlink(name)


def bare():
    ms = timed(["juicefs", "clone", "--preserve", f"{mount}/active", f"{mount}/checkpoints/bare"])[0]
    quiet(["juicefs", "rmr", f"{mount}/checkpoints/bare"])
    return ms


def create(name):
    ms, out = timed([juicectl, "checkpoint", "create", spec, name])
    quiet([juicectl, "checkpoint", "delete", spec, name])
    return ms, out


bare_plain, bare_linked, create_plain, create_linked, clone_ms, scan_ms, repair_ms = [], [], [], [], [], [], []
create("warm-up")
for i in range(runs):
    bare_plain.append(bare())
    create_plain.append(create(f"plain{i}")[0])
    add_links()
    bare_linked.append(bare())
    ms, out = create(f"linked{i}")
    remove_links()
    note = NOTE.search(out)
    if not note or int(note.group(2)) != len(second):
        sys.exit(f"bench: expected {len(second)} hard links kept, juicectl said:\n{out}")
    create_linked.append(ms)
    clone_ms.append(float(note.group(1)))
    scan_ms.append(float(note.group(3)))
    repair_ms.append(float(note.group(4)))
record("hardlinks", {"files": files, "links": len(second), "runs": runs, "barePlain": summary(bare_plain),
                     "bareLinked": summary(bare_linked), "createPlain": summary(create_plain),
                     "createLinked": summary(create_linked), "cloneInCreate": summary(clone_ms), "scan": summary(scan_ms),
                     "repair": summary(repair_ms)})
