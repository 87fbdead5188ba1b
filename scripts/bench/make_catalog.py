#!/usr/bin/env python3
"""Adds N scheduled checkpoints to a mounted volume's catalog, fast, in the layout juicectl writes.

Usage: make_catalog.py MOUNT COUNT

A checkpoint is, to the catalog, a directory `checkpoints/NAME` (its existence is the truth) and a manifest
`checkpoints/.juicectl/manifests/NAME.json`; `checkpoint list` and `plan` read nothing else of it. Making 10,000 real
ones (a `juicefs clone` each, about 85 ms) would take a quarter of an hour, so each entry here is the directory with
an empty `fs/` inside (what a clone of /active holds at the top) and a manifest encoded as juicectl encodes them
(sorted keys, `"key" : value`, ISO 8601 UTC without fractions). They are `auto-<slot>` checkpoints of an `@every 15m`
schedule, one per slot going back from before the oldest checkpoint already there, each the parent of the next:
what 104 days of a 15-minute schedule with a retention that keeps them all leaves behind.
"""
import concurrent.futures, datetime, json, os, sys

mount, count = sys.argv[1], int(sys.argv[2])
checkpoints = os.path.join(mount, "checkpoints")
manifests = os.path.join(checkpoints, ".juicectl", "manifests")
slot = datetime.timedelta(minutes=15)

oldest = None
for file in os.listdir(manifests):
    with open(os.path.join(manifests, file)) as f:
        created = datetime.datetime.fromisoformat(json.load(f)["createdAt"].replace("Z", "+00:00"))
    oldest = created if oldest is None or created < oldest else oldest
start = (oldest or datetime.datetime.now(datetime.timezone.utc)).replace(second=0, microsecond=0)
start -= datetime.timedelta(minutes=start.minute % 15) + slot * count


def encode(manifest):
    text = json.dumps(manifest, indent=2, sort_keys=True, separators=(",", " : "))
    return text.replace("{}", "{\n\n  }")  # JSONEncoder's pretty form of an empty object


def make(i):
    at = start + slot * i
    name = "auto-" + at.strftime("%Y%m%dT%H%M%SZ")
    manifest = {"createdAt": (at + datetime.timedelta(seconds=7)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "formatVersion": 1, "kind": "scheduled", "labels": {}, "name": name, "pinned": False}
    if i > 0:
        manifest["parent"] = "auto-" + (at - slot).strftime("%Y%m%dT%H%M%SZ")
    with open(os.path.join(manifests, name + ".json"), "w") as f:
        f.write(encode(manifest))
    os.makedirs(os.path.join(checkpoints, name, "fs"))


# Each file operation waits on the metadata engine more than on the CPU: a few threads overlap those waits.
with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
    for _ in pool.map(make, range(count)):
        pass
