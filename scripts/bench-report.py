#!/usr/bin/env python3
"""The bench's report (make bench; docs/bench.md).

    scripts/bench-report.py LOGDIR OUTDIR [--tracking RESULT_JSON] [--machine TEXT]
                            [--guest-mib MIB]

LOGDIR holds what the bench-modes scenario left: runs.jsonl, one line per
migration, and each run's rounds (rounds-TAG.txt from the guest's
`selfmigctl rounds` in self mode, xl-TAG.log from `xl -vvv migrate`
otherwise).  OUTDIR gets:

  results.json   every run with its derived figures, and the summaries;
  results.md     the table: medians with min-max, and ratios to transparent;
  wws-WL.dat/.gp/.png   pages sent and dirtied per round, each mode (the
                 writable working set), from each workload's first run;
  downtime.dat/.gp/.png the median downtime per mode and workload.

The PNGs need gnuplot; without it the .gp files are still written and the
report says so.  Exit status: 0 written, 1 no usable run, 2 usage.
"""
import json
import os
import re
import shutil
import statistics
import subprocess
import sys

MODES = ("transparent", "assisted", "self")
USER_HZ_MS = 10          # /proc/stat ticks (USER_HZ 100)
FIGURES = (              # key, heading, unit
    ("downtime_ms", "downtime", "ms"),
    ("total_ms", "total time", "ms"),
    ("wire_bytes", "on the wire", "MB"),
    ("rounds", "rounds", ""),
    ("throughput_ratio", "throughput during/before", ""),
    ("cpu_ms", "guest CPU spent migrating", "ms"),
    ("clients_max_gap_ms", "clients' longest gap", "ms"),
)


def die(msg, code=1):
    print("bench-report: " + msg, file=sys.stderr)
    sys.exit(code)


def read_runs(path):
    runs = []
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                runs.append(json.loads(line))
            except ValueError as e:
                die("%s:%d: not JSON: %s" % (path, n, e))
    return runs


def self_rounds(path):
    """[(sent, dirty)] from `selfmigctl rounds`: a header, a line per round."""
    out, cols = [], None
    try:
        lines = open(path).read().splitlines()
    except OSError:
        return None
    for line in lines:
        w = line.split()
        if w[:1] == ["round"]:
            cols = w
            continue
        if cols and len(w) == len(cols) and w[0].isdigit():
            r = dict(zip(cols, w))
            out.append((int(r["sent"]), int(r["dirty"])))
    return out or None


XL_ITER = re.compile(r"Frames iteration (\d+)\D*?(\d+)/(\d+)")


def xl_rounds(path, max_pages=None):
    """[(sent, dirty)] from xl -vvv's progress lines: iteration i sends the
    pages found dirty at its start, so what round i dirtied is what round
    i + 1 sent (the last round's, sent with the guest stopped, has none).
    Iteration 0 walks every frame number up to the guest's highest, holes
    included (1,044,480 for a PVH guest), so with max_pages, the guest's
    size in pages, its count is capped there."""
    try:
        text = open(path, errors="replace").read()
    except OSError:
        return None
    sent = {}
    for m in XL_ITER.finditer(text.replace("\r", "\n")):
        sent[int(m.group(1))] = int(m.group(3))
    if not sent:
        return None
    seq = [sent[i] for i in sorted(sent)]
    if max_pages:
        seq[0] = min(seq[0], max_pages)
    return [(s, seq[i + 1] if i + 1 < len(seq) else 0) for i, s in enumerate(seq)]


def rate(c0, c1):
    """Counter rate between two [t, count] snapshots, or None."""
    if None in (c0[0], c0[1], c1[0], c1[1]) or c1[0] <= c0[0]:
        return None
    return (c1[1] - c0[1]) / (c1[0] - c0[0])


def derive(r, logdir, max_pages=None):
    """Add the figures the report compares to one run's record."""
    tag = r.get("tag", "")
    wb = r.get("wl_before") or [None] * 4
    wd = r.get("wl_during") or [None] * 2
    before = during = None
    if r.get("clients_before") is not None:
        before, during = r.get("clients_before"), r.get("clients_during")
    elif wb[1] is not None:
        before = rate(wb[0:2], wb[2:4])
        during = rate(wb[2:4], wd)
    r["throughput_before"] = before
    r["throughput_during"] = during
    r["throughput_ratio"] = (round(during / before, 3)
                             if before and during is not None else None)
    b = r.get("busy_ticks") or [None] * 3
    w = r.get("window_ms") or [None] * 2
    if None not in b and None not in w and w[0] > 0:
        base = (b[1] - b[0]) * USER_HZ_MS / w[0]         # CPU ms per ms, alone
        # The workload's own share during the migration: its rate alone,
        # scaled by how much of its work it still did (docs/bench.md).
        scale = r["throughput_ratio"] if r["throughput_ratio"] is not None else 1.0
        r["cpu_ms"] = round((b[2] - b[1]) * USER_HZ_MS - base * w[1] * scale)
    else:
        r["cpu_ms"] = None
    if r.get("mode") == "self":
        rounds = self_rounds(os.path.join(logdir, "rounds-%s.txt" % tag))
    else:
        rounds = xl_rounds(os.path.join(logdir, "xl-%s.log" % tag), max_pages)
    r["per_round"] = rounds
    if r.get("rounds") is None:
        r["rounds"] = len(rounds) if rounds else None
    return r


def summary(vals):
    vals = [v for v in vals if v is not None]
    if not vals:
        return None
    return {"median": statistics.median(vals), "min": min(vals), "max": max(vals),
            "n": len(vals)}


def summarise(runs):
    out = {}
    for r in runs:
        if not r.get("ok"):
            continue
        out.setdefault(r["workload"], {}).setdefault(r["mode"], []).append(r)
    table = {}
    for wl, by_mode in out.items():
        table[wl] = {}
        for mode, rs in by_mode.items():
            table[wl][mode] = {k: summary([x.get(k) for x in rs]) for k, _, _ in FIGURES}
        base = table[wl].get("transparent", {})
        for mode, figs in table[wl].items():
            ratios = {}
            for k, _, _ in FIGURES:
                a, t = figs.get(k), base.get(k)
                ratios[k] = (round(a["median"] / t["median"], 3)
                             if a and t and t["median"] else None)
            figs["ratio_to_transparent"] = ratios
    return table


def fmt(v, unit):
    if v is None:
        return "-"
    if unit == "MB":
        return "%.1f" % (v / 1e6)
    if isinstance(v, float) and v != int(v):
        return "%.2f" % v
    return "%d" % v


def cell(s, unit):
    if not s:
        return "-"
    if s["n"] == 1:
        return fmt(s["median"], unit)
    return "%s (%s-%s)" % (fmt(s["median"], unit), fmt(s["min"], unit), fmt(s["max"], unit))


GOALS = (  # workload, figure, at most this ratio to transparent (self mode)
    ("muncher", "downtime_ms", 0.5), ("game", "downtime_ms", 0.5),
    ("idle", "downtime_ms", 1.0), ("web", "downtime_ms", 1.0),
    ("idle", "wire_bytes", 0.5),
)


def markdown(res, table):
    reps = res.get("reps")
    lines = ["# selfmig bench: transparent, assisted and self mode", "",
             res["machine"] + ".", "",
             "Each cell: the median of %s repetitions (min-max), one testbed run; "
             "ratios are self or assisted mode's median over transparent mode's, "
             "from the same run." % reps, ""]
    head = "| workload | mode | " + " | ".join(
        "%s%s" % (h, " (%s)" % u if u else "") for _, h, u in FIGURES) + \
        " | downtime / transparent | bytes / transparent |"
    lines += [head, "|" + "---|" * (len(FIGURES) + 4)]
    for wl in res["workloads"]:
        for mode in MODES:
            figs = table.get(wl, {}).get(mode)
            if not figs:
                continue
            rt = figs["ratio_to_transparent"]
            lines.append("| %s | %s | %s | %s | %s |" % (
                wl, mode, " | ".join(cell(figs[k], u) for k, _, u in FIGURES),
                fmt(rt["downtime_ms"], ""), fmt(rt["wire_bytes"], "")))
    failed = [r for r in res["runs"] if not r.get("ok")]
    lines += ["", "Failed runs: %d of %d." % (len(failed), len(res["runs"]))]
    for r in failed:
        lines.append("- %s: %s" % (r.get("tag"), r.get("why") or "?"))
    lines += ["", "Goals (self mode over transparent, not pass/fail):"]
    for wl, k, goal in GOALS:
        v = table.get(wl, {}).get("self", {}).get("ratio_to_transparent", {}).get(k)
        lines.append("- %s, %s: at most %.1f; %s" % (
            wl, "downtime" if k == "downtime_ms" else "bytes on the wire", goal,
            "not measured in this run" if v is None else
            "%.2f, %s" % (v, "met" if v <= goal else "not met")))
    if res.get("tracking"):
        lines += ["", "Dirty tracking's cost to a memory writer (on/off, median): " +
                  ", ".join("%s every %d ms %.3f" % (e["workload"], e["interval_ms"],
                                                     e["ratio_median"])
                            for e in res["tracking"])]
    if res.get("plots_note"):
        lines += ["", res["plots_note"]]
    return "\n".join(lines) + "\n"


def plots(res, table, out):
    """gnuplot scripts and their data; the PNGs if gnuplot runs."""
    scripts = []
    for wl in res["workloads"]:
        firsts = {}
        for r in res["runs"]:
            if r["workload"] == wl and r.get("per_round") and r["mode"] not in firsts:
                firsts[r["mode"]] = r["per_round"]
        if not firsts:
            continue
        dat = os.path.join(out, "wws-%s.dat" % wl)
        with open(dat, "w") as f:
            for mode in MODES:
                if mode not in firsts:
                    continue
                f.write("# %s: round sent dirtied\n" % mode)
                for i, (s, d) in enumerate(firsts[mode]):
                    f.write("%d %d %d\n" % (i, s, d))
                f.write("\n\n")
        idx = [m for m in MODES if m in firsts]
        plot = ", ".join(
            "'wws-%s.dat' index %d using 1:2 with linespoints title '%s sent', "
            "'' index %d using 1:3 with lines dashtype 2 title '%s dirtied'" % (wl, i, m, i, m)
            for i, m in enumerate(idx))
        gp = os.path.join(out, "wws-%s.gp" % wl)
        with open(gp, "w") as f:
            f.write("set terminal pngcairo size 900,500\nset output 'wws-%s.png'\n"
                    "set title 'Writable working set: %s'\nset xlabel 'round'\n"
                    "set ylabel 'pages (4 KiB)'\nset logscale y\nset xtics 1\nset key outside\n"
                    "plot %s\n" % (wl, wl, plot))
        scripts.append(gp)
    dat = os.path.join(out, "downtime.dat")
    with open(dat, "w") as f:
        f.write("# workload " + " ".join(MODES) + " (median downtime, ms)\n")
        for wl in res["workloads"]:
            vals = []
            for m in MODES:
                s = table.get(wl, {}).get(m, {}).get("downtime_ms")
                vals.append("%g" % s["median"] if s else "NaN")
            f.write("%s %s\n" % (wl, " ".join(vals)))
    gp = os.path.join(out, "downtime.gp")
    with open(gp, "w") as f:
        f.write("set terminal pngcairo size 900,500\nset output 'downtime.png'\n"
                "set title \"Downtime (the prober's longest gap), median\"\n"
                "set ylabel 'ms'\nset style data histograms\n"
                "set style histogram clustered gap 1\nset style fill solid 0.8 border -1\n"
                "set key outside\nset yrange [0:*]\n")
        # Only the modes that ran: gnuplot refuses a column with no point.
        cols = [(i + 2, m) for i, m in enumerate(MODES)
                if any(table.get(wl, {}).get(m, {}).get("downtime_ms")
                       for wl in res["workloads"])]
        f.write("plot " + ", ".join(
            "'downtime.dat' using %d%s title '%s'" % (c, ":xtic(1)" if k == 0 else "", m)
            for k, (c, m) in enumerate(cols)) + "\n")
    scripts.append(gp)
    if not shutil.which("gnuplot"):
        return "The plots' scripts are written; gnuplot is not installed, so no PNG."
    bad = []
    for s in scripts:
        p = subprocess.run(["gnuplot", os.path.basename(s)], cwd=out,
                           capture_output=True, text=True)
        if p.returncode:
            bad.append("%s: %s" % (os.path.basename(s), p.stderr.strip()[:200]))
    return ("gnuplot failed: " + "; ".join(bad)) if bad else None


def main(argv):
    args, tracking, machine, pages = [], None, None, None
    it = iter(argv[1:])
    for a in it:
        if a == "--tracking":
            tracking = next(it, None)
        elif a == "--machine":
            machine = next(it, None)
        elif a == "--guest-mib":
            try:
                pages = int(next(it, "")) * 256
            except ValueError:
                print("bench-report: --guest-mib takes a number of MiB", file=sys.stderr)
                return 2
        elif a in ("-h", "--help"):
            print(__doc__)
            return 0
        else:
            args.append(a)
    if len(args) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    logdir, out = args
    runs_path = os.path.join(logdir, "runs.jsonl")
    if not os.path.exists(runs_path):
        die("no %s: did the bench-modes scenario run?" % runs_path)
    runs = [derive(r, logdir, pages) for r in read_runs(runs_path)]
    if not runs:
        die("%s has no run" % runs_path)
    workloads = []
    for r in runs:
        if r["workload"] not in workloads:
            workloads.append(r["workload"])
    os.makedirs(out, exist_ok=True)
    res = {"machine": machine or "unknown machine", "workloads": workloads,
           "reps": max(r.get("rep", 1) for r in runs), "runs": runs}
    if tracking:
        try:
            t = json.load(open(tracking))
            res["tracking"] = t.get("results") if t.get("pass") else None
        except (OSError, ValueError) as e:
            print("bench-report: %s: %s (left out)" % (tracking, e), file=sys.stderr)
    table = summarise(runs)
    res["summary"] = table
    res["plots_note"] = plots(res, table, out)
    with open(os.path.join(out, "results.json"), "w") as f:
        json.dump(res, f, indent=1)
    md = markdown(res, table)
    with open(os.path.join(out, "results.md"), "w") as f:
        f.write(md)
    print(md, end="")
    return 0 if any(r.get("ok") for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
