#!/usr/bin/env python3
"""Renders .bench/report.md and the plots from .bench/results.json (the raw figures every section records).

    report.py init      start results.json: the machine, the versions, the git commit, the knobs (run by bench.sh)
    report.py finish    note the end and the run time, then render
    report.py render    render report.md and the SVG plots again from results.json
    report.py readme    print the machine line and the tables of the README's Benchmarks section
"""
import datetime, json, os, platform, re, subprocess, sys

sys.dont_write_bytecode = True  # no __pycache__ beside the scripts
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import RESULTS, load, loadavg, save  # noqa: E402
import plot  # noqa: E402

OUT = os.path.dirname(os.path.abspath(RESULTS))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ORDER = ["converge-noop", "checkpoint-restore", "quiesce", "hardlinks", "metadata-restore", "overlay-freeze", "daemon-idle", "engines",
         "many-checkpoints"]
# Ratio targets of checkpoint create / restore and of the restore-metadata step hold from this many files up; below it
# juicectl's fixed cost (process start, lock, observation, quota steps) dominates a clone of a few hundred ms.
RATIO_TARGET_FROM_FILES = 10000
CATALOG_TARGET_MS = 1000
# A checkpoint of a tree with 1 % of its files linked may take this much longer than one of the tree without links.
HARDLINK_TARGET_RATIO = 1.10
# A quiesced checkpoint may keep the sandbox frozen at most this many times a bare clone of its tree, plus the slack.
QUIESCE_TARGET_RATIO, QUIESCE_TARGET_SLACK_MS = 1.1, 20


def quiesce_ok(point):
    return point["frozen"]["median"] <= QUIESCE_TARGET_RATIO * point["bare"]["median"] + QUIESCE_TARGET_SLACK_MS


def command(argv):
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=60).stdout.strip()
    except OSError:
        return "?"


def machine():
    cpuinfo = open("/proc/cpuinfo").read()
    model = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.M)
    meminfo = open("/proc/meminfo").read()
    mem_kib = int(re.search(r"^MemTotal:\s+(\d+)", meminfo, re.M).group(1))
    os_release = dict(re.findall(r'^(\w+)="?([^"\n]*)"?$', open("/etc/os-release").read(), re.M))
    debian = open("/etc/debian_version").read().strip() if os.path.exists("/etc/debian_version") else ""
    commit = command(["git", "-C", ROOT, "rev-parse", "--short=12", "HEAD"])
    dirty = command(["git", "-C", ROOT, "status", "--porcelain", "--untracked-files=no"]) != ""
    return {
        "cpu": model.group(1).strip() if model else platform.processor(),
        "cores": os.cpu_count(),
        "virtual": bool(re.search(r"^flags\s*:.*\bhypervisor\b", cpuinfo, re.M)),
        "memGiB": round(mem_kib / 1024 / 1024, 1),
        "kernel": platform.release(),
        "os": os_release.get("PRETTY_NAME", "?") + (f" ({debian})" if debian else ""),
        "juicefs": command(["juicefs", "version"]).replace("juicefs version ", ""),
        "litestream": command(["litestream", "version"]),
        "swift": command(["swift", "--version"]).splitlines()[0] if command(["swift", "--version"]) else "?",
        "commit": commit + (" with uncommitted changes" if dirty else ""),
    }


def fmt(ms):
    return f"{ms:.1f}" if ms < 100 else f"{ms:.0f}"


def met(ok):
    return "met" if ok else "**not met**"


def when(results):
    started = datetime.datetime.fromtimestamp(results["startedAt"], datetime.timezone.utc)
    return started.strftime("%Y-%m-%d %H:%M UTC")


def short_machine_line(results):
    m = results["machine"]
    debian = re.search(r"\(([\d.]+)\)$", m["os"])
    return (f"{m['cores']} cores, {m['memGiB']:g} GiB, Debian {debian.group(1) if debian else m['os']}, kernel "
            f"{m['kernel'].split('-')[0]}, juicefs {m['juicefs'].split('+')[0]}")


def machine_line(results):
    m = results["machine"]
    return (f"{m['cores']} cores ({m['cpu']}{', virtual machine' if m['virtual'] else ''}), {m['memGiB']:g} GiB, "
            f"{m['os']}, kernel {m['kernel']}")


# Targets: (benchmark, figure, target, ok) rows, from the figures alone.

def targets(name, data):
    rows = []
    if name == "converge-noop":
        ratio = data["apply"]["median"] / data["status"]["median"]
        rows.append(("converge-noop: no-op `apply` / one `juicefs status`", f"{ratio:.2f}", "< 1.0", ratio < 1.0))
    elif name == "checkpoint-restore":
        for p in sorted(data["points"], key=lambda p: p["files"]):
            if p["files"] < RATIO_TARGET_FROM_FILES:
                continue
            create = p["create"]["median"] / p["bare"]["median"]
            restore = p["restore"]["median"] / p["bare"]["median"]
            rows.append((f"checkpoint create / bare clone, {p['files']:,} files", f"{create:.2f}", "<= 1.1", create <= 1.1))
            rows.append((f"restore / bare clone, {p['files']:,} files", f"{restore:.2f}", "<= 1.2", restore <= 1.2))
    elif name == "quiesce":
        for p in sorted(data["points"], key=lambda p: p["files"]):
            rows.append((f"quiesced checkpoint: sandbox frozen / bare clone, {p['files']:,} files",
                         f"{fmt(p['frozen']['median'])} ms / {fmt(p['bare']['median'])} ms",
                         f"<= {QUIESCE_TARGET_RATIO} x + {QUIESCE_TARGET_SLACK_MS} ms", quiesce_ok(p)))
    elif name == "hardlinks":
        ratio = data["createLinked"]["median"] / data["createPlain"]["median"]
        rows.append((f"checkpoint create with {data['links']:,} hard links / without, {data['files']:,} files",
                     f"{ratio:.2f}", f"<= {HARDLINK_TARGET_RATIO:.2f}", ratio <= HARDLINK_TARGET_RATIO))
    elif name == "metadata-restore":
        for p in sorted(data["points"], key=lambda p: p["files"]):
            if p["files"] < RATIO_TARGET_FROM_FILES:
                continue
            ratio = p["step"]["median"] / p["bare"]["median"]
            rows.append((f"restore-metadata step / bare `litestream restore`, {p['files']:,} files", f"{ratio:.2f}",
                         "<= 1.1", ratio <= 1.1))
    elif name == "overlay-freeze":
        points = sorted(data["points"], key=lambda p: p["files"])
        worst = max(p["frozen"]["median"] for p in points)
        growth = points[-1]["frozen"]["median"] / points[0]["frozen"]["median"]
        rows.append(("overlay frozen window, median at every file count", f"{worst:.0f} ms (largest)", "< 200 ms", worst < 200))
        rows.append((f"overlay frozen window, {points[-1]['files']:,} / {points[0]['files']:,} files", f"{growth:.2f}",
                     "<= 1.25 (flat)", growth <= 1.25))
    elif name == "daemon-idle":
        rows.append(("`juicectl run` resident memory, peak", f"{data['rssPeakMiB']:.1f} MiB", "< 30 MiB", data["rssPeakMiB"] < 30))
        rows.append(("`juicectl run` CPU, its own", f"{data['cpuOwnPercent']:.2f} % of a core", "< 1 %", data["cpuOwnPercent"] < 1))
    elif name == "engines":
        for engine, label in (("redis", "Redis"), ("postgres", "PostgreSQL")):
            ratio = data[engine]["apply"]["median"] / data[engine]["status"]["median"]
            rows.append((f"converge-noop on {label}: no-op `apply` / one `juicefs status`", f"{ratio:.2f}", "< 1.0", ratio < 1.0))
    elif name == "many-checkpoints":
        large = data["cases"][-1]
        for key, label in (("list", "`checkpoint list --json`"), ("plan", "`plan`")):
            ms = large[key]["median"]
            rows.append((f"{label} with {large['checkpoints']:,} checkpoints", f"{fmt(ms)} ms", f"< {CATALOG_TARGET_MS} ms",
                         ms < CATALOG_TARGET_MS))
    return rows


# Sections.

def render_section(name, data):
    lines = []
    if name == "converge-noop":
        a, p, s = data["apply"], data["plan"], data["status"]
        lines += [f"## converge-noop: apply on a converged volume vs one bare `juicefs status` ({data['runs']} runs, interleaved)", "",
                  "| command | median ms | p90 ms | min ms |", "|---|---|---|---|"]
        for label, x in (("`juicectl apply` (no-op, whole process)", a), ("`juicectl plan` (no-op, whole process)", p),
                         ("`juicefs status` (one call)", s)):
            lines.append(f"| {label} | {x['median']:.1f} | {x['p90']:.1f} | {x['min']:.1f} |")
        lines += ["", f"**Ratio no-op apply / juicefs status: {a['median'] / s['median']:.2f}** (target: below 1.0): "
                  f"{met(a['median'] / s['median'] < 1.0)}.", "",
                  f"Observation of the converged volume inside juicectl: {data['probes']} probes, {data['juicefsCalls']} "
                  f"juicefs calls, {data['observeMs']:.2f} ms in all."]
    elif name == "checkpoint-restore":
        points = sorted(data["points"], key=lambda p: p["files"])
        lines += ["## checkpoint-restore: checkpoint create and restore vs a bare `juicefs clone --preserve` of /active",
                  "", f"Medians of {points[0]['runs']} runs each, interleaved; min to max in brackets. Targets (create "
                  f"<= 1.1, restore <= 1.2 of the bare clone) hold from {RATIO_TARGET_FROM_FILES:,} files up.", "",
                  "| files | bare clone ms | `checkpoint create` ms | ratio | `restore` ms | ratio | met | load after |",
                  "|---|---|---|---|---|---|---|---|"]
        for pt in points:
            b, c, r = pt["bare"], pt["create"], pt["restore"]
            cr, rr = c["median"] / b["median"], r["median"] / b["median"]
            verdict = (met(cr <= 1.1 and rr <= 1.2) if pt["files"] >= RATIO_TARGET_FROM_FILES else "no target")
            lines.append(f"| {pt['files']:,} | {fmt(b['median'])} ({fmt(b['min'])}-{fmt(b['max'])}) | "
                         f"{fmt(c['median'])} ({fmt(c['min'])}-{fmt(c['max'])}) | {cr:.2f} | "
                         f"{fmt(r['median'])} ({fmt(r['min'])}-{fmt(r['max'])}) | {rr:.2f} | {verdict} | "
                         f"{pt['loadAfter']:.2f} |")
        lines += ["", "![checkpoint and restore time against file count](checkpoint-vs-files.svg)",
                  "", "Plot: [checkpoint-vs-files.svg](checkpoint-vs-files.svg)."]
    elif name == "quiesce":
        points = sorted(data["points"], key=lambda p: p["files"])
        lines += ["## quiesce: how long a quiesced `checkpoint create` keeps the sandbox frozen, next to a bare clone", "",
                  f"Medians of {points[0]['runs'] if points else 0} runs each, interleaved; min to max in brackets. The sandbox is a cgroup v2 "
                  "directory with a writer in it; the window is the one juicectl reports, from the first freeze written to the "
                  f"last thaw written. Target: at most {QUIESCE_TARGET_RATIO} x the bare clone + {QUIESCE_TARGET_SLACK_MS} ms.", "",
                  "| files | bare `juicefs clone --preserve` ms | sandbox frozen ms | whole `checkpoint create` ms | target | load after |",
                  "|---|---|---|---|---|---|"]
        for pt in points:
            b, f, c = pt["bare"], pt["frozen"], pt["create"]
            lines.append(f"| {pt['files']:,} | {fmt(b['median'])} ({fmt(b['min'])}-{fmt(b['max'])}) | "
                         f"{fmt(f['median'])} ({fmt(f['min'])}-{fmt(f['max'])}) | {fmt(c['median'])} | {met(quiesce_ok(pt))} | "
                         f"{pt['loadAfter']:.2f} |")
    elif name == "hardlinks":
        d = data
        ratio = d["createLinked"]["median"] / d["createPlain"]["median"]
        lines += [f"## hardlinks: checkpoint create of {d['files']:,} files with {d['links']:,} of them linked to a second "
                  "name, against the same tree without the second names", "",
                  f"Medians of {d['runs']} runs each, interleaved; min to max in brackets. `juicefs clone` copies each "
                  "name of a linked file as a file of its own, so juicectl finds the groups (from the SQLite metadata, "
                  "while the clone runs) and re-links them in the copy.", "",
                  "| tree | bare `juicefs clone --preserve` ms | `checkpoint create` ms |", "|---|---|---|"]
        for label, b, c in (("without links", d["barePlain"], d["createPlain"]),
                            (f"with {d['links']:,} hard links", d["bareLinked"], d["createLinked"])):
            lines.append(f"| {label} | {fmt(b['median'])} ({fmt(b['min'])}-{fmt(b['max'])}) | "
                         f"{fmt(c['median'])} ({fmt(c['min'])}-{fmt(c['max'])}) |")
        lines += ["", f"Inside the create with links (from its result): clone {fmt(d['cloneInCreate']['median'])} ms, "
                  f"finding the links {fmt(d['scan']['median'])} ms (alongside the clone), re-linking "
                  f"{fmt(d['repair']['median'])} ms ({d['repair']['median'] * 1000 / d['links']:.0f} us a name, "
                  f"min {fmt(d['repair']['min'])}, max {fmt(d['repair']['max'])}).", "",
                  f"**Ratio create with links / without: {ratio:.2f}** (target: at most {HARDLINK_TARGET_RATIO:.2f}): "
                  f"{met(ratio <= HARDLINK_TARGET_RATIO)}."]
    elif name == "metadata-restore":
        points = sorted(data["points"], key=lambda p: p["files"])
        lines += ["## metadata-restore: the restore-metadata step of a recovering apply vs a bare `litestream restore`",
                  "", f"Database deleted, file replica kept; medians of 3 runs. Target (step <= 1.1 of the bare restore) "
                  f"from {RATIO_TARGET_FROM_FILES:,} files up.", "",
                  "| files | database MB | bare `litestream restore` ms | restore-metadata step ms | ratio | "
                  "whole recovering `apply` ms | met | load after |", "|---|---|---|---|---|---|---|---|"]
        for pt in points:
            ratio = pt["step"]["median"] / pt["bare"]["median"]
            verdict = met(ratio <= 1.1) if pt["files"] >= RATIO_TARGET_FROM_FILES else "no target"
            lines.append(f"| {pt['files']:,} | {pt['databaseMB']:.1f} | {fmt(pt['bare']['median'])} | "
                         f"{fmt(pt['step']['median'])} | {ratio:.2f} | {fmt(pt['whole']['median'])} | {verdict} | "
                         f"{pt['loadAfter']:.2f} |")
        lines += ["", "Plot: [metadata-restore-vs-files.svg](metadata-restore-vs-files.svg)."]
    elif name == "overlay-freeze":
        lines += ["## overlay-freeze: frozen window of a checkpoint with the overlay in use (5 runs each)", "",
                  "| files in active/fs | median ms | max ms |", "|---|---|---|"]
        for pt in sorted(data["points"], key=lambda p: p["files"]):
            lines.append(f"| {pt['files']:,} | {pt['frozen']['median']:.0f} | {pt['frozen']['max']:.0f} |")
    elif name == "daemon-idle":
        d = data
        lines += [f"## daemon-idle: `juicectl run`, {d['volumes']} converged volumes, {d['interval']} s interval, "
                  f"{d['seconds']:.0f} s", "", "| figure | value | target | met |", "|---|---|---|---|",
                  f"| resident memory (VmRSS), peak | {d['rssPeakMiB']:.1f} MiB | < 30 MiB | {met(d['rssPeakMiB'] < 30)} |",
                  f"| resident memory, mean | {d['rssMeanMiB']:.1f} MiB | | |",
                  f"| of which anonymous (heap, stacks), peak | {d['anonPeakMiB']:.1f} MiB | | |",
                  f"| of which file-backed (the binary's own clean pages, reclaimable), peak | {d['filePeakMiB']:.1f} MiB | | |",
                  f"| CPU, juicectl itself | {d['cpuOwnPercent']:.2f} % of one core | < 1 % | {met(d['cpuOwnPercent'] < 1)} |",
                  f"| CPU, with child processes | {d['cpuTotalPercent']:.2f} % of one core | | |",
                  f"| passes in the window | {d['passes']:.0f} ({d['converged']:.0f} converged) | "
                  f"{d['volumes']} volumes x {d['seconds'] / d['interval']:.0f} | |"]
    elif name == "engines":
        lines += [f"## converge-noop on Redis and PostgreSQL metadata (servers on loopback, {data['runs']} runs, interleaved)", "",
                  "| engine | `juicectl apply` no-op, median ms | bare `juicefs status`, median ms | ratio | target | met |",
                  "|---|---|---|---|---|---|"]
        for engine, label in (("redis", "Redis"), ("postgres", "PostgreSQL")):
            a, s = data[engine]["apply"]["median"], data[engine]["status"]["median"]
            lines.append(f"| {label} | {a:.1f} | {s:.1f} | {a / s:.2f} | < 1.0 | {met(a / s < 1.0)} |")
    elif name == "many-checkpoints":
        small, large = data["cases"][0], data["cases"][-1]
        lines += [f"## many-checkpoints: `checkpoint list` and `plan` with {small['checkpoints']:,} and "
                  f"{large['checkpoints']:,} checkpoints in the catalog ({data['runs']} runs each, interleaved)", "",
                  "The spec has an `@every 15m` schedule and a retention that keeps every checkpoint, so `plan` reads "
                  "the whole catalog and decides retention over it. The floor is what any reader of this layout pays "
                  "on the mount: listing `checkpoints/` and the manifests, and reading every manifest, from Python in "
                  "one process.", "",
                  "| checkpoints | `checkpoint list --json` median ms (min-max) | `plan` median ms (min-max) | "
                  "floor: list + read every manifest, ms | plan actions |", "|---|---|---|---|---|"]
        for case in data["cases"]:
            l, p, f = case["list"], case["plan"], case["floor"]
            lines.append(f"| {case['checkpoints']:,} | {fmt(l['median'])} ({fmt(l['min'])}-{fmt(l['max'])}) | "
                         f"{fmt(p['median'])} ({fmt(p['min'])}-{fmt(p['max'])}) | {fmt(f['median'])} | {case['planActions']} |")
        lr, pr = large["list"]["median"] / small["list"]["median"], large["plan"]["median"] / small["plan"]["median"]
        probes = ", ".join(f"{k} {fmt(v)} ms" for k, v in large["catalogProbesMs"].items())
        lines += ["", f"Ratio {large['checkpoints']:,} / {small['checkpoints']:,} checkpoints: list {lr:.1f}, plan "
                  f"{pr:.1f}. Per manifest at {large['checkpoints']:,}: list "
                  f"{large['list']['median'] * 1000 / large['checkpoints']:.0f} us, floor "
                  f"{large['floor']['median'] * 1000 / large['checkpoints']:.0f} us.", "",
                  f"Inside juicectl at {large['checkpoints']:,} (probes of one `status --json`): {probes}.", "",
                  f"Targets at {large['checkpoints']:,}: list and plan each under {CATALOG_TARGET_MS} ms (whole "
                  f"process): list {met(large['list']['median'] < CATALOG_TARGET_MS)}, plan "
                  f"{met(large['plan']['median'] < CATALOG_TARGET_MS)}.", "",
                  f"The extra {large['checkpoints'] - small['checkpoints']:,} entries were generated in "
                  f"{data['generateSeconds']:.0f} s by scripts/bench/make_catalog.py (a directory and a manifest each, "
                  f"as juicectl writes them; `checkpoint list` then counted {large['checkpoints']:,}, all with manifests, "
                  f"no leftovers)."]
    if "loadAfter" in data:
        lines += ["", f"Load average (1 min) when the section ended: {data['loadAfter']:.2f}."]
    lines.append("")
    return "\n".join(lines)


def render(results):
    sections = results.get("sections", {})
    m = results["machine"]
    duration = results.get("durationSeconds")
    lines = ["# juicectl benchmarks", "",
             f"Run of {when(results)}" + (f", {duration / 60:.1f} min in all" if duration else ", not finished")
             + (f" (release build included: {results['buildSeconds']:.0f} s)." if "BENCH_JUICECTL" not in results["knobs"]
                else " (no build: `BENCH_JUICECTL`)."), "",
             "| machine | |", "|---|---|",
             f"| CPU | {m['cpu']}, {m['cores']} cores{' (virtual machine)' if m['virtual'] else ''} |",
             f"| memory | {m['memGiB']:g} GiB |", f"| OS | {m['os']}, kernel {m['kernel']} |",
             f"| juicefs | {m['juicefs']} |", f"| litestream | {m['litestream']} |", f"| Swift | {m['swift']} |",
             f"| juicectl | commit {m['commit']}; "
             + ("the binary `BENCH_JUICECTL` names, not built by this run |" if "BENCH_JUICECTL" in results["knobs"]
                else "release build, `--static-swift-stdlib` |"),
             f"| load average (1 min) | {results['loadStart']:.2f} at the start"
             + (f", {results['loadEnd']:.2f} at the end |" if "loadEnd" in results else " |"),
             f"| knobs | " + ", ".join(f"`{k}={v}`" for k, v in sorted(results["knobs"].items())) + " |", "",
             "Each pair is measured in the same run, interleaved; the machine has other work on it when the load "
             "average is well above 0, and then single figures move by about 20 %.", "",
             "## Targets", "", "| benchmark | figure | target | met |", "|---|---|---|---|"]
    for name in ORDER:
        if name in sections:
            lines += [f"| {label} | {figure} | {target} | {met(ok)} |" for label, figure, target, ok in targets(name, sections[name])]
    missing = [name for name in ORDER if name not in sections]
    if missing:
        lines += ["", "Sections not run (or not finished): " + ", ".join(missing) + "."]
    lines.append("")
    for name in ORDER:
        if name in sections:
            lines.append(render_section(name, sections[name]))
    with open(os.path.join(OUT, "report.md"), "w") as f:
        f.write("\n".join(lines))
    write_plots(results)


def write_plots(results):
    sections = results.get("sections", {})
    subtitle = f"{short_machine_line(results)}; {when(results)}"
    if len(sections.get("checkpoint-restore", {}).get("points", [])) >= 2:
        points = sections["checkpoint-restore"]["points"]

        def series(key, label, color, dash=""):
            return {"label": label, "color": color, "dash": dash, "points": [
                (p["files"], p[key]["median"] / 1000, p[key]["min"] / 1000, p[key]["max"] / 1000) for p in points]}
        plot.write_plot(os.path.join(OUT, "checkpoint-vs-files.svg"), "Checkpoint and restore time against file count",
                        subtitle, "files in /active", "seconds (whole process)",
                        [series("bare", "bare juicefs clone --preserve", "#555555", "6 4"),
                         series("create", "juicectl checkpoint create", "#1f6fb4"),
                         series("restore", "juicectl restore", "#d9661f")])
    if len(sections.get("metadata-restore", {}).get("points", [])) >= 2:
        points = sections["metadata-restore"]["points"]

        def series(key, label, color, dash=""):
            return {"label": label, "color": color, "dash": dash, "points": [
                (p["files"], p[key]["median"] / 1000, p[key]["min"] / 1000, p[key]["max"] / 1000) for p in points]}
        plot.write_plot(os.path.join(OUT, "metadata-restore-vs-files.svg"),
                        "Metadata restore from a file replica against file count", subtitle, "files on the volume",
                        "seconds", [series("bare", "bare litestream restore", "#555555", "6 4"),
                                    series("step", "juicectl restore-metadata step", "#1f6fb4"),
                                    series("whole", "whole recovering juicectl apply", "#2a9d5c")])


def readme(results):
    """The README's figures: the machine line, then one table of every benchmark's medians, ratios and targets."""
    m, sections = results["machine"], results["sections"]
    swift = m["swift"].replace("Swift version ", "Swift ").split(" (")[0]
    print(f"Latest figures, from {when(results)}: {m['cores']} cores ({m['cpu']}"
          f"{', virtual machine' if m['virtual'] else ''}), {short_machine_line(results).split(', ', 1)[1]}, "
          f"litestream {m['litestream']}, {swift}; commit {m['commit']}. The whole run took "
          f"{results['durationSeconds'] / 60:.1f} min (load average {results['loadStart']:.2f} at the start, "
          f"{results['loadEnd']:.2f} at the end).\n")
    rows = []

    def verdict(target, ok):
        return target if ok else f"{target}: **not met**"
    if "converge-noop" in sections:
        d = sections["converge-noop"]
        a, p, st = d["apply"]["median"], d["plan"]["median"], d["status"]["median"]
        rows.append(("`juicectl apply`, converged volume (whole process)", fmt(a),
                     f"{a / st:.2f} of one `juicefs status` ({fmt(st)} ms)", verdict("< 1.0", a / st < 1.0)))
        rows.append(("`juicectl plan`, converged volume (whole process)", fmt(p), "", ""))
    if "engines" in sections:
        for engine, label in (("redis", "Redis"), ("postgres", "PostgreSQL")):
            a, st = sections["engines"][engine]["apply"]["median"], sections["engines"][engine]["status"]["median"]
            rows.append((f"`juicectl apply`, converged volume, {label} metadata", fmt(a),
                         f"{a / st:.2f} ({fmt(st)} ms)", verdict("< 1.0", a / st < 1.0)))
    for pt in sorted(sections.get("checkpoint-restore", {}).get("points", []), key=lambda p: p["files"]):
        b, c, r = pt["bare"]["median"], pt["create"]["median"], pt["restore"]["median"]
        targeted = pt["files"] >= RATIO_TARGET_FROM_FILES
        rows.append((f"`juicectl checkpoint create`, {pt['files']:,} files", fmt(c),
                     f"{c / b:.2f} of a bare clone ({fmt(b)} ms)",
                     verdict("<= 1.1", c / b <= 1.1) if targeted else f"none below {RATIO_TARGET_FROM_FILES:,} files"))
        rows.append((f"`juicectl restore`, {pt['files']:,} files", fmt(r), f"{r / b:.2f}",
                     verdict("<= 1.2", r / b <= 1.2) if targeted else ""))
    for pt in sorted(sections.get("quiesce", {}).get("points", []), key=lambda p: p["files"]):
        rows.append((f"sandbox frozen by a quiesced `checkpoint create`, {pt['files']:,} files", fmt(pt["frozen"]["median"]),
                     f"{pt['frozen']['median'] / pt['bare']['median']:.2f} of a bare clone ({fmt(pt['bare']['median'])} ms)",
                     verdict(f"<= {QUIESCE_TARGET_RATIO} x + {QUIESCE_TARGET_SLACK_MS} ms", quiesce_ok(pt))))
    if "hardlinks" in sections:
        d = sections["hardlinks"]
        plain, linked = d["createPlain"]["median"], d["createLinked"]["median"]
        rows.append((f"`juicectl checkpoint create`, {d['files']:,} files, {d['links']:,} of them with a second name", fmt(linked),
                     f"{linked / plain:.2f} of the same tree without links ({fmt(plain)} ms); re-linking "
                     f"{fmt(d['repair']['median'])} ms, finding {fmt(d['scan']['median'])} ms",
                     verdict(f"<= {HARDLINK_TARGET_RATIO:.2f}", linked / plain <= HARDLINK_TARGET_RATIO)))
    points = sorted(sections.get("metadata-restore", {}).get("points", []), key=lambda p: p["files"])
    for pt in points:
        b, st = pt["bare"]["median"], pt["step"]["median"]
        targeted = pt["files"] >= RATIO_TARGET_FROM_FILES
        rows.append((f"restore-metadata step, {pt['files']:,} files ({pt['databaseMB']:.1f} MB database)", fmt(st),
                     f"{st / b:.2f}" + (" of a bare `litestream restore`" if pt is points[0] else "") + f" ({fmt(b)} ms)",
                     verdict("<= 1.1", st / b <= 1.1) if targeted else f"none below {RATIO_TARGET_FROM_FILES:,} files"))
    if points:
        rows.append((f"whole recovering `apply` (restore, start Litestream, mount), {points[-1]['files']:,} files",
                     fmt(points[-1]["whole"]["median"]), "", ""))
    if "overlay-freeze" in sections:
        ok = all(ok for _, _, _, ok in targets("overlay-freeze", sections["overlay-freeze"]))
        for i, pt in enumerate(sorted(sections["overlay-freeze"]["points"], key=lambda p: p["files"])):
            rows.append((f"frozen window with overlay, {pt['files']:,} files in active/fs",
                         f"{pt['frozen']['median']:.0f} (max {pt['frozen']['max']:.0f})", "",
                         verdict("median < 200, flat", ok) if i == 0 else ""))
    if "many-checkpoints" in sections:
        d = sections["many-checkpoints"]
        small = d["cases"][0]
        for key, label in (("list", "`juicectl checkpoint list --json`"), ("plan", "`juicectl plan` (schedule and retention)")):
            for case in d["cases"]:
                ms = case[key]["median"]
                if case is small:
                    rows.append((f"{label}, {case['checkpoints']:,} checkpoints", fmt(ms), "", ""))
                else:
                    rows.append((f"{label}, {case['checkpoints']:,} checkpoints", fmt(ms),
                                 f"{ms / small[key]['median']:.0f} × the {small['checkpoints']} case; floor "
                                 f"{fmt(case['floor']['median'])} ms", verdict(f"< {CATALOG_TARGET_MS} ms", ms < CATALOG_TARGET_MS)))
    print("| benchmark (median) | ms | ratio | target |\n|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    if "daemon-idle" in sections:
        d = sections["daemon-idle"]
        print(f"\n`juicectl run`, {d['volumes']} converged volumes, {d['interval']} s interval, {d['seconds']:.0f} s:\n")
        print("| figure | value | target |\n|---|---|---|")
        print(f"| CPU, juicectl itself (and with its children) | {d['cpuOwnPercent']:.2f} % of one core "
              f"({d['cpuTotalPercent']:.2f} %) | {verdict('< 1 %', d['cpuOwnPercent'] < 1)} |")
        print(f"| resident memory (VmRSS), peak / mean | {d['rssPeakMiB']:.1f} / {d['rssMeanMiB']:.1f} MiB | "
              f"{verdict('< 30 MiB', d['rssPeakMiB'] < 30)} |")
        print(f"| of which anonymous (heap, stacks) | {d['anonPeakMiB']:.1f} MiB | |")
        print(f"| of which file-backed (the binary's own clean pages) | {d['filePeakMiB']:.1f} MiB | |")
        converged = "all" if d["converged"] == d["passes"] else f"{d['converged']:.0f}"
        print(f"| passes in the window | {d['passes']:.0f} ({converged} converged) | "
              f"{d['volumes']} × {d['seconds'] / d['interval']:.0f} |")


def main():
    action = sys.argv[1] if len(sys.argv) > 1 else "render"
    if action == "init":
        knobs = {k: v for k, v in os.environ.items() if k.startswith("BENCH_") and k not in
                 ("BENCH_RESULTS", "BENCH_META_PASSWORD", "BENCH_STARTED", "BENCH_BUILD_SECONDS")}
        save({"machine": machine(), "startedAt": float(os.environ.get("BENCH_STARTED", "0")) or
              datetime.datetime.now().timestamp(), "buildSeconds": float(os.environ.get("BENCH_BUILD_SECONDS", "0")),
              "loadStart": loadavg(), "knobs": knobs, "sections": {}})
    elif action == "finish":
        results = load()
        results["finishedAt"] = datetime.datetime.now().timestamp()
        results["durationSeconds"] = results["finishedAt"] - results["startedAt"]
        results["loadEnd"] = loadavg()
        save(results)
        render(results)
    elif action == "render":
        render(load())
    elif action == "readme":
        readme(load())
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
