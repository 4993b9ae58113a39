#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""make soak: wsflow under a long, steady load (issue 11).

wsflowd runs bench/flows/soak.troy (a ws_server echo); two wsbench
processes load it for SOAK_SECONDS (default 600):
- "held": SOAK_CONNS connections (default 10,000), opened at 2,000 a
  second and kept, each sending a 64-byte message every 1/SOAK_MSG_RATE
  seconds (default 0.1 a second: 1,000 messages a second in all), every
  echo checked;
- "churn": SOAK_CHURN new connections a second (default 1,000), each
  upgrade, one message and its echo, close handshake.
Every minute it prints, for each worker of the daemon, its RSS and
descriptor count, and the generators' progress (open connections,
echoes verified, errors).  At the end: each generator's result line,
and the verdict: no error and no failed connection for the well-behaved
clients, and the ws_server worker's RSS in the last minute within 5% of
the first.  Exit status 0 when both hold.

    soak.py BUILDDIR            (run as root or with ulimit -Hn >= 40000)
"""
import os
import re
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import time

BLD = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".")
SRC = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
SECS = int(os.environ.get("SOAK_SECONDS", "600"))
CONNS = int(os.environ.get("SOAK_CONNS", "10000"))
CHURN = float(os.environ.get("SOAK_CHURN", "1000"))
MSG_RATE = float(os.environ.get("SOAK_MSG_RATE", "0.1"))
PORT = int(os.environ.get("SOAK_PORT", "19200"))
MINUTE = float(os.environ.get("SOAK_INTERVAL", "60"))
RAMP = 10               # s before the first sample (the held ones open)


def raise_nofile(n):
    """Descriptors for the generators and the daemon (inherited)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = max(soft, n)
    if hard != resource.RLIM_INFINITY and hard < want:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (want, want))
            return
        except (ValueError, OSError):
            want = hard
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))


def wait_port(port, proc, limit=20):
    end = time.monotonic() + limit
    while time.monotonic() < end:
        if proc.poll() is not None:
            sys.exit("wsflowd exited %d" % proc.returncode)
        try:
            socket.create_connection(("127.0.0.1", port), 0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    sys.exit("wsflowd is not listening on %d" % port)


def workers(pid):
    """{pid: title} of the daemon's children."""
    out = {}
    try:
        kids = open("/proc/%d/task/%d/children" % (pid, pid)).read().split()
    except OSError:
        return out
    for k in kids:
        try:
            t = open("/proc/%s/cmdline" % k, "rb").read()
        except OSError:
            continue
        out[int(k)] = t.split(b"\0")[0].decode(errors="replace")
    return out


def rss_fds(pid):
    """(VmRSS in KiB, open descriptors) of a process."""
    rss = 0
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
    return rss, len(os.listdir("/proc/%d/fd" % pid))


def progress(path):
    """The last progress line of a generator's stderr, as a dict."""
    last = {}
    try:
        for line in open(path):
            if line.startswith("wsbench ") and " t=" in line:
                last = dict(kv.split("=", 1) for kv in line.split()
                            if "=" in kv)
    except OSError:
        pass
    return last


def main():
    raise_nofile(4 * CONNS + 4096)
    tmp = tempfile.mkdtemp(prefix="wsflow-soak.")
    sock = os.path.join(tmp, "ctl.sock")
    env = dict(os.environ, TREMOR_PATH=os.path.join(SRC, "lib"))
    err = open(os.path.join(tmp, "wsflowd.err"), "w")
    d = subprocess.Popen(
        [os.path.join(BLD, "supervisor", "wsflowd"), "-d", "-s", sock,
         "-D", "url=127.0.0.1:%d" % PORT,
         os.path.join(SRC, "bench", "flows", "soak.troy")],
        cwd=tmp, env=env, stdin=subprocess.DEVNULL, stdout=err, stderr=err,
        start_new_session=True)
    wait_port(PORT, d)
    url = "ws://127.0.0.1:%d/" % PORT
    wsb = os.path.join(BLD, "bench", "wsbench")
    gens = {}
    for label, args in (
            ("held", ["-m", "open", "-c", str(CONNS), "-R", "2000",
                      "-r", str(MSG_RATE)]),
            ("churn", ["-m", "churn", "-c", "256", "-R", str(CHURN)])):
        out = open(os.path.join(tmp, label + ".out"), "w")
        perr = os.path.join(tmp, label + ".err")
        gens[label] = (subprocess.Popen(
            [wsb, "-b", "-s", "64", "-w", str(RAMP), "-d",
             str(SECS - RAMP), "-P", str(MINUTE), "-l", label] + args +
            [url], stdout=out, stderr=open(perr, "w")), out, perr)
    print("soak: %d s, %d held connections (%.2f messages/s each), %.0f "
          "new connections/s; every %.0f s:" % (SECS, CONNS, MSG_RATE,
                                                 CHURN, MINUTE), flush=True)
    print("%6s  %-26s %10s %6s   %s" % ("t(s)", "worker", "rss_kb", "fds",
                                        "generators"), flush=True)
    t0 = time.monotonic()
    samples = []
    n = 1
    while True:
        wake = t0 + min(n * MINUTE, SECS - 1)
        while time.monotonic() < wake and all(
                g[0].poll() is None for g in gens.values()):
            time.sleep(0.5)
        t = time.monotonic() - t0
        gen = "; ".join("%s open=%s verified=%s errors=%s conn_fail=%s" % (
            k, p.get("open", "?"), p.get("verified", "?"),
            p.get("errors", "?"), p.get("conn_fail", "?"))
            for k, p in ((k, progress(g[2])) for k, g in gens.items()))
        for pid, title in sorted(workers(d.pid).items()):
            try:
                rss, fds = rss_fds(pid)
            except OSError:
                continue
            print("%6.0f  %-26s %10d %6d   %s" % (t, title[:26], rss, fds,
                                                  gen), flush=True)
            if "ws_server" in title:
                samples.append(rss)
            gen = ""
        n += 1
        if t >= SECS - 2 or any(g[0].poll() is not None
                                for g in gens.values()):
            break
    ok = True
    for label, (p, out, perr) in gens.items():
        try:
            p.wait(timeout=120)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
        out.close()
        res = open(out.name).read().strip()
        print("%s: %s" % (label, res or "(no result; stderr: %s)"
                          % open(perr).read()[-500:]))
        kv = dict(re.findall(r"(\w+)=(\S+)", res))
        if kv.get("errors") != "0" or kv.get("conn_fail") != "0":
            ok = False
            print("soak: FAIL: %s saw errors=%s conn_fail=%s" % (
                label, kv.get("errors"), kv.get("conn_fail")))
    if len(samples) >= 2:
        first, last = samples[0], samples[-1]
        drift = (last - first) / first * 100.0
        print("soak: ws_server RSS first %d KiB, last %d KiB (%+.1f%%)"
              % (first, last, drift))
        if abs(drift) > 5.0:
            ok = False
            print("soak: FAIL: RSS moved more than 5%")
    os.killpg(d.pid, signal.SIGTERM)
    try:
        d.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(d.pid, signal.SIGKILL)
    print("soak: %s (logs in %s)" % ("PASS" if ok else "FAIL", tmp))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
