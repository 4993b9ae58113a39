#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""bench/report.py: turn a results folder's raw.tsv (written by run.sh)
into results.md (medians with min-max, ratios to the raw TCP echo and to
Bun from the same repetition, the command behind every figure) and a
gnuplot chart.png.  usage: report.py RESULTS_DIR"""
import os
import statistics
import subprocess
import sys

TITLES = {
    "S1": "S1 latency: 1 connection x 1 in flight x 64 B text",
    "S2": "S2 JSON record: 64 connections x 1 x 620 B text",
    "S2j": "S2j JSON codec: 64 x 1 x 620 B JSON line, parsed and "
           "re-serialised by the peer (raw echo only echoes)",
    "S3": "S3 pipelined: 16 connections x 16 in flight x 64 B",
    "S4": "S4 bandwidth: 8 connections x 1 x 16 KiB binary",
    "S5": "S5 one-way replay: file -> ws_client -> ws_server -> file "
          "(620 B JSON lines)",
    "S6": "S6 connection churn: connect, upgrade, 1 message, close "
          "(8 at a time)",
    "S7": "S7 idle connections: server RSS per open connection "
          "((RSS with N open - RSS before) / N; PSS the same with shared "
          "pages split between processes)",
    "S8a": "S8a 4 MiB binary message in 64 B fragments, 1 x 1",
    "S8b": "S8b 16 MiB binary message, 1 x 1",
    "T4": "T4 TLS: S4 over wss:// (x raw uses S4's raw echo)",
    "T6": "T6 TLS churn: S6 over wss://, a full handshake each (RSA "
          "2048); wsflow-tlskw keeps the key in the worker (benchmark "
          "switch, no keyholder)",
    "S3z": "S3z: S3 with permessage-deflate on both sides (x raw uses "
           "S3's raw echo; wire B/msg: bytes the client received per "
           "message, frame headers included)",
    "S4z": "S4z: S4 with permessage-deflate on both sides (x raw uses "
           "S4's raw echo)",
    "S3i": "S3i scaling: S3 against wsflow-iN, a ws_server with "
           "instances = N (x raw uses S3's raw echo; gen CPU: the "
           "generator's own, % of one core)",
    "S6i": "S6i scaling: S6 against wsflow-iN, a ws_server with "
           "instances = N (x raw uses S6's raw echo; gen CPU: the "
           "generator's own, % of one core)",
}
# The second generator (wsgen.js, node's ws client, one frame per send):
# the same shapes, "x raw" against rawecho -f (node's client refuses
# rawecho's masked echo).  gen CPU: the generator's user+system time in %
# of one core, all its processes (busiest one); host: every core busy.
GENS = ("node-gen",)
for _g in GENS:
    for _s in ("S1", "S3", "S4"):
        TITLES[_s + "/" + _g] = TITLES[_s] + ", driven by " + _g + \
            " (bench/wsgen.js: node's ws client, one frame per send)"
# Raw echo a scenario's "x raw" is taken from (rawecho unless named).
RAW = {_s + "/" + _g: "rawecho-f" for _s in ("S1", "S3", "S4")
       for _g in GENS}
# Scenario whose raw echo / Bun a scenario without its own is compared to.
BASE = {"T4": "S4", "S3z": "S3", "S4z": "S4", "S3i": "S3", "S6i": "S6"}
BUN = {"S2j": "bun-json", "T4": "bun-tls", "S3z": "bun-z", "S4z": "bun-z"}
WIRE = ("S3z", "S4z")       # scenarios with a wire bytes column
SCALING = ("S3i", "S6i")    # with the generator's and the server's CPU


def parse(line):
    kv = {}
    for tok in line.split():
        if "=" in tok:
            k, v = tok.split("=", 1)
            kv[k] = v
    return kv


def num(kv, key):
    try:
        return float(kv[key])
    except (KeyError, ValueError):
        return None


def reason(res):
    """The reason part of a failed run's result ("why :: wsbench line")."""
    why = res.split(" :: ")[0] if " :: " in res else res
    return why.replace("|", "/")[:300]


def shape(scen):
    """A scenario's shape: S3/node-gen is S3 driven by another generator."""
    return scen.split("/")[0]


def is_gen(scen):
    return "/" in scen


def main_metric(scen):
    scen = shape(scen)
    if scen in ("S6", "T6", "S6i"):
        return "hs_s", "handshakes/s", True
    if scen == "S7":
        return "rss_per_conn_b", "RSS B/conn", False
    if scen in ("S4", "S8a", "S8b", "T4", "S4z"):
        return "mb_s", "MB/s", True
    return "msg_s", "msg/s", True


def fmt(v, nd=1):
    if v is None:
        return "-"
    if abs(v) >= 1000:
        return "{:,.0f}".format(v)
    return "{:.{}f}".format(v, nd)


def med(vals):
    vals = [v for v in vals if v is not None]
    if not vals:
        return None, None, None
    return statistics.median(vals), min(vals), max(vals)


def cell(vals, nd=1, rng=True):
    m, lo, hi = med(vals)
    if m is None:
        return "-"
    if rng and len([v for v in vals if v is not None]) > 1:
        return "{} ({}-{})".format(fmt(m, nd), fmt(lo, nd), fmt(hi, nd))
    return fmt(m, nd)


def main():
    out = sys.argv[1]
    rows = []
    with open(os.path.join(out, "raw.tsv")) as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) != 6:
                continue
            rep, scen, peer, status, cmd, res = parts
            rows.append({"rep": rep, "scen": scen, "peer": peer,
                         "status": status, "cmd": cmd, "res": res,
                         "kv": parse(res), "why": reason(res)})
    scens, peers = [], {}
    for r in rows:
        if r["scen"] not in scens:
            scens.append(r["scen"])
        peers.setdefault(r["scen"], [])
        if r["peer"] not in peers[r["scen"]]:
            peers[r["scen"]].append(r["peer"])

    def value(scen, peer, rep):
        key = main_metric(scen)[0]
        for r in rows:
            if (r["scen"], r["peer"], r["rep"]) == (scen, peer, rep) \
                    and r["status"] == "ok":
                return num(r["kv"], key)
        return None

    md = ["# wsflow benchmarks", ""]
    with open(os.path.join(out, "env.txt")) as f:
        md += ["    " + l.rstrip() for l in f]
    md += ["", "Medians over the repetitions, (min-max) when there are "
           "several.  x raw and x Bun are ratios of the main figure to "
           "the raw TCP echo's and Bun's in the same repetition "
           "(medians of the per-repetition ratios); for RSS a lower "
           "ratio is better, for the rest higher.  CPU is the server "
           "process tree's user+system time per message (or per "
           "handshake) from /proc.  [n] points to the commands at the "
           "end.", ""]
    cmds = []
    chart = {}
    for scen in scens:
        key, label, _ = main_metric(scen)
        md += ["## " + TITLES.get(scen, scen), ""]
        if scen == "S7":
            md += ["| peer | runs | " + label +
                   " | x raw | x Bun | PSS B/conn | connections | "
                   "server RSS KiB | cmd |",
                   "|---|---|---|---|---|---|---|---|---|"]
        elif scen == "S5":
            md += ["| peer | runs | events/s | x jsonloop | MB/s | p50 us | "
                   "p99 us | p99.9 us | max us | CPU us/event | cmd |",
                   "|---|---|---|---|---|---|---|---|---|---|---|"]
        else:
            extra = " server peak RSS KiB |" if scen in ("S8a", "S8b") \
                else ""
            if key != "msg_s":
                extra = " msg/s |" + extra
            if scen in WIRE:
                extra += " wire B/msg |"
            if is_gen(scen):
                extra += " gen CPU % (busiest) | host busy % |"
            if scen in SCALING:
                extra += " gen CPU % | server CPU % |"
            md += ["| peer | runs | " + label + " | p50 us | "
                   "p99 us | p99.9 us | max us | CPU us/msg | x raw | "
                   "x Bun |" + extra + " cmd |",
                   "|---|---|---|---|---|---|---|---|---|---|" +
                   "---|" * extra.count("|") + "---|"]
        base = BASE.get(scen, scen)
        bun = BUN.get(scen, "bun")
        for peer in peers[scen]:
            rs = [r for r in rows if r["scen"] == scen and
                  r["peer"] == peer]
            ok = [r for r in rs if r["status"] == "ok"]
            bad = [r for r in rs if r["status"] != "ok"]
            if rs[0]["cmd"] != "-":
                cmds.append(rs[0]["cmd"])
                ref = "[{}]".format(len(cmds))
            else:
                ref = ""
            if not ok:
                why = bad[0]["why"]
                md.append("| {} | {} | **{}**: {} | {}".format(
                    peer, "0/{}".format(len(rs)), bad[0]["status"], why,
                    ref + " |"))
                continue
            runs = "{}/{}".format(len(ok), len(rs))
            col = lambda k: [num(r["kv"], k) for r in ok]
            rraw, rbun = [], []
            for r in ok:
                v = num(r["kv"], key)
                rv = value(base, RAW.get(scen, "rawecho"), r["rep"])
                bv = value(scen, bun, r["rep"])
                if v is not None and rv:
                    rraw.append(v / rv)
                if v is not None and bv:
                    rbun.append(v / bv)
            if scen == "S5":
                rraw = [v / j for v, j in
                        ((num(r["kv"], key), value(scen, "jsonloop",
                                                   r["rep"])) for r in ok)
                        if v is not None and j]
            mraw = med(rraw)[0]
            if mraw is not None and shape(scen) in (
                    "S1", "S2", "S3", "S4", "S6", "S2j", "S8a", "S8b",
                    "T4"):
                chart.setdefault(scen, {})[peer] = mraw
            if scen == "S7":
                md.append("| {} | {} | {} | {} | {} | {} | {} | {} | {} |"
                          .format(
                    peer, runs, cell(col(key), 0),
                    cell(rraw, 2, False), cell(rbun, 2, False),
                    cell(col("pss_per_conn_b"), 0),
                    cell(col("opened"), 0, False),
                    cell(col("srv_rss_kb"), 0), ref))
            elif scen == "S5":
                cpu = col("cpu_us_msg")
                if peer == "jsonloop":
                    cpu = [num(r["kv"], "ns_line") / 1e3 for r in ok]
                md.append("| {} | {} | {} | {} | {} | {} | {} | {} | {} | "
                          "{} | {} |".format(
                              peer, runs, cell(col("msg_s"), 0),
                              cell(rraw, 2, False), cell(col("mb_s"), 1), cell(col("p50_us")),
                              cell(col("p99_us")), cell(col("p999_us")),
                              cell(col("max_us")), cell(cpu, 2), ref))
            else:
                extra = ""
                if key != "msg_s":
                    extra += " {} |".format(cell(col("msg_s")))
                if scen in ("S8a", "S8b"):
                    extra += " {} |".format(cell(col("srv_hwm_kb"), 0))
                if scen in WIRE:
                    extra += " {} |".format(cell(col("wire_b_msg")))
                if is_gen(scen):
                    extra += " {} ({}) | {} |".format(
                        cell(col("gen_cpu_pct"), 0),
                        cell(col("gen_cpu_max_pct"), 0, False),
                        cell(col("host_busy_pct"), 0))
                if scen in SCALING:
                    extra += " {} | {} |".format(cell(col("gen_cpu_pct"), 0),
                                                 cell(col("srv_cpu_pct"), 0))
                md.append("| {} | {} | {} | {} | {} | {} | {} | {} | "
                          "{} | {} |{} {} |".format(
                              peer, runs, cell(col(key)),
                              cell(col("p50_us")), cell(col("p99_us")),
                              cell(col("p999_us")), cell(col("max_us")),
                              cell(col("cpu_us_msg"), 2),
                              cell(rraw, 2, False), cell(rbun, 2, False),
                              extra, ref))
            for r in bad:
                md.append("| {} rep {} | **{}** | {} |".format(
                    peer, r["rep"], r["status"], r["why"]))
        md.append("")
    md += generators(rows, scens, peers, value)
    md += targets(rows)
    md += ["## Commands", "",
           "Run from the build directory (top_builddir=$PWD); the peer "
           "command starts the server, then wsbench runs against it "
           "(-p is the server's pid, filled in at run time).", ""]
    for i, c in enumerate(cmds, 1):
        md.append("{}. `{}`".format(i, c))
    md.append("")
    if chart:
        md += ["![throughput relative to the raw TCP echo](chart.png)", ""]
    with open(os.path.join(out, "results.md"), "w") as f:
        f.write("\n".join(md))
    if chart:
        plot(out, chart)


def generators(rows, scens, peers, value):
    """Each shape driven by wsbench and by the other generators side by
    side: the main figure and its ratio to Bun's from the same run."""
    gs = [s for s in scens if is_gen(s)]
    if not gs:
        return []
    md = ["## Generators side by side", "",
          "wsbench batches the frames it sends; wsgen.js (node's ws "
          "client) writes one frame per send, as ordinary clients do.  "
          "Medians; x Bun per repetition against Bun driven by the same "
          "generator.", ""]
    for g in gs:
        base = shape(g)
        key, label, _ = main_metric(g)
        md += ["### {} vs {}".format(base, g), "",
               "| peer | wsbench {0} | x Bun | {1} {0} | x Bun | "
               "CPU us/msg wsbench / {1} |".format(label, g.split("/")[1]),
               "|---|---|---|---|---|---|"]
        for peer in peers[g]:
            cells = []
            for s, p in ((base, "rawecho" if peer == "rawecho-f" else peer),
                         (g, peer)):
                ok = [r for r in rows if (r["scen"], r["peer"]) == (s, p)
                      and r["status"] == "ok"]
                v = [num(r["kv"], key) for r in ok]
                rb = [num(r["kv"], key) / value(s, "bun", r["rep"])
                      for r in ok if value(s, "bun", r["rep"])
                      and num(r["kv"], key) is not None]
                cpu = [num(r["kv"], "cpu_us_msg") for r in ok]
                cells.append((cell(v), cell(rb, 2, False),
                              cell(cpu, 2, False)))
            md.append("| {} | {} | {} | {} | {} | {} / {} |".format(
                peer, cells[0][0], cells[0][1], cells[1][0], cells[1][1],
                cells[0][2], cells[1][2]))
        md.append("")
    return md


def per_rep(rows, a, b, key, op):
    """op(value of a, value of b) per repetition where both ran; a and b
    are (scenario, peer).  Returns (values, why-not)."""
    got = {}
    for r in rows:
        for i, (s, p) in enumerate((a, b)):
            if (r["scen"], r["peer"]) == (s, p):
                got.setdefault(r["rep"], [None, None, None, None])
                if r["status"] == "ok":
                    got[r["rep"]][i] = num(r["kv"], key)
                else:
                    got[r["rep"]][2 + i] = r["why"] if \
                        r["why"].startswith(p) else "{} {}: {}".format(
                            p, r["status"], r["why"])
    vals, why = [], None
    for rep in sorted(got):
        va, vb, wa, wb = got[rep]
        if va is not None and vb:
            vals.append(op(va, vb))
        elif why is None:
            why = wa or wb or "{} not in this run".format(
                b[1] if va is not None else a[1])
    if not got:
        why = "{} / {} not in this run".format(a[1], b[1])
    return vals, why


def targets(rows):
    """The issue's targets, each with its measured figure: met or not."""
    div = lambda x, y: x / y
    sub = lambda x, y: x - y
    own = lambda x, y: x
    # (target, what is measured, (scen, peer), (scen, peer), metric,
    #  operation, limit, higher is better, unit)
    T = [
        ("S3 echo (binary codec) >= 1.0x Bun", "msg/s ratio",
         ("S3", "wsflow"), ("S3", "bun"), "msg_s", div, 1.0, True, "x"),
        ("S3 echo under node's ws client (wsgen.js) >= 1.0x Bun",
         "msg/s ratio", ("S3/node-gen", "wsflow"), ("S3/node-gen", "bun"),
         "msg_s", div, 1.0, True, "x"),
        ("S3 echo (binary codec) >= 0.7x raw TCP echo", "msg/s ratio",
         ("S3", "wsflow"), ("S3", "rawecho"), "msg_s", div, 0.7, True,
         "x"),
        ("S2j json codec + lines >= 1.5x node JSON echo", "msg/s ratio",
         ("S2j", "wsflow-json"), ("S2j", "node-json"), "msg_s", div, 1.5,
         True, "x"),
        ("S3 relay >= 3x websocketd + cat", "msg/s ratio",
         ("S3", "wsflow-relay"), ("S3", "websocketd"), "msg_s", div, 3.0,
         True, "x"),
        ("S1 echo p50 within 5 us of the raw TCP echo",
         "p50 difference, us", ("S1", "wsflow"), ("S1", "rawecho"),
         "p50_us", sub, 5.0, False, " us"),
        ("S7 <= 2 KiB RSS per idle connection", "bytes per connection",
         ("S7", "wsflow"), ("S7", "wsflow"), "rss_per_conn_b", own,
         2048.0, False, " B"),
        ("S4 over TLS >= 0.6x plain S4", "MB/s ratio T4 / S4",
         ("T4", "wsflow-tls"), ("S4", "wsflow"), "mb_s", div, 0.6, True,
         "x"),
        ("TLS handshakes with the keyholder >= 0.8x keys in the worker",
         "handshakes/s ratio", ("T6", "wsflow-tls"), ("T6", "wsflow-tlskw"),
         "hs_s", div, 0.8, True, "x"),
        ("S5 replay >= 0.5x the json-c loop", "events/s ratio",
         ("S5", "wsflow-replay"), ("S5", "jsonloop"), "msg_s", div, 0.5,
         True, "x"),
    ]
    md = ["## Targets", "",
          "Each target of the issue with the median over the repetitions "
          "of the per-repetition figure (min-max).", "",
          "| target | measured | value | verdict |", "|---|---|---|---|"]
    for name, what, a, b, key, op, lim, higher, unit in T:
        vals, why = per_rep(rows, a, b, key, op)
        if not vals:
            md.append("| {} | {} | - | **not measured**: {} |".format(
                name, what, why or "no data"))
            continue
        m = med(vals)[0]
        ok = m >= lim if higher else m <= lim
        nd = 2 if unit == "x" else 1
        v = cell(vals, nd) + unit
        md.append("| {} | {} | {} | {} |".format(
            name, what, v, "met" if ok else "**NOT met**"))
    ref = []
    for peer in ("rawecho", "bun", "node", "websocketd", "python"):
        vals, _ = per_rep(rows, ("S7", peer), ("S7", peer),
                          "rss_per_conn_b", own)
        pss, _ = per_rep(rows, ("S7", peer), ("S7", peer),
                         "pss_per_conn_b", own)
        if vals:
            v = med(vals)[0]
            ref.append("{} {:,.0f} B".format(peer, v))
            if pss and v > 2 * med(pss)[0]:
                ref[-1] += " (PSS {:,.0f} B)".format(med(pss)[0])
    p99, _ = per_rep(rows, ("S5", "wsflow-replay"),
                     ("S5", "wsflow-replay"), "p99_us", own)
    md.append("")
    if ref:
        md.append("S7 for comparison (bytes per idle connection): " +
                  ", ".join(ref) + ".")
    if p99:
        md.append("S5 p99 end-to-end latency: {} us.".format(
            cell(p99, 0)))
    md.append("")
    return md


def plot(out, chart):
    allpeers = []
    for s in chart:
        for p in chart[s]:
            if p not in allpeers:
                allpeers.append(p)
    dat = os.path.join(out, "chart.dat")
    with open(dat, "w") as f:
        f.write("scenario " + " ".join(allpeers) + "\n")
        for s in chart:
            f.write(s + " " + " ".join(
                "{:.4f}".format(chart[s][p]) if p in chart[s] else "-"
                for p in allpeers) + "\n")
    gp = os.path.join(out, "chart.gp")
    with open(gp, "w") as f:
        f.write('set terminal pngcairo size 1100,520 noenhanced\n'
                'set output "{}"\n'
                'set title "throughput relative to the raw TCP echo '
                '(same run, median of repetitions)"\n'
                'set style data histograms\n'
                'set style histogram clustered gap 1\n'
                'set style fill solid 0.8 border -1\n'
                'set logscale y\nset yrange [0.01:2]\n'
                'set ylabel "x raw echo (log)"\n'
                'set key outside right\nset datafile missing "-"\n'
                'set grid ytics\n'
                'plot for [i=2:{}] "{}" using i:xtic(1) title '
                'columnheader(i)\n'.format(
                    os.path.join(out, "chart.png"), len(allpeers) + 1, dat))
    try:
        subprocess.run(["gnuplot", gp], check=True)
    except (OSError, subprocess.CalledProcessError) as e:
        print("report: no chart ({})".format(e), file=sys.stderr)


if __name__ == "__main__":
    main()
