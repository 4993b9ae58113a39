# SPDX-License-Identifier: ISC
"""Workers that hold their start (fakeworker.py, $FAKE_SEND hold: it
acknowledges MSG_START only once a file exists), so what wsflowd does
meanwhile is seen without racing a clock:
 1. -t: a worker that never acknowledges its start.  Without -d the
    starting process exits 1 once the timeout has passed, the line on its
    standard error naming the connector and how far it got; no daemon,
    worker or pid file is left.  With -d the same, in the foreground.
 2. wsflowctl status during a reload whose new connector has not
    started yet: "reloading" (text and -j); once it starts, the reload
    command exits 0 and status says "running" again.  Only the new
    connector's worker is fake ($FAKE_IDS): the rest are real.
 3. -t bounds a reload too: a reload whose new connector never starts
    is undone after -t seconds, wsflowctl reload exits 1 naming it, a
    client of a kept connector keeps its connection and its echoes,
    status says running again and the next reload (the same connector,
    now a real worker) succeeds.
Last line: "N passed, N failed"."""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "hostile"))
from hostile import echo, ws_connect  # noqa: E402
from checks import (BLD, SRC, check, results, stop_session,  # noqa: E402
                    summary, wait_for)

PA, PX = 14630, 14631
WSFLOWD = os.path.join(BLD, "supervisor", "wsflowd")
WSFLOWCTL = os.path.join(BLD, "ctl", "wsflowctl")
FAKE = os.path.join(SRC, "tests", "supervisor", "fakeworker.py")

SERVER = """  define connector {n} from ws_server
  with
    codec = "binary",
    config = {{ "url": "127.0.0.1:{port}" }}
  end;
  create connector {n};
  create pipeline echo_{n} from pipelines::passthrough;
  connect /connector/{n} to /pipeline/echo_{n};
  connect /pipeline/echo_{n} to /connector/{n};
"""


def flow(extra=False):
    """Connector a, an echo; with extra, a second one, x."""
    t = "define flow main\nflow\n  use troy::pipelines;\n"
    t += SERVER.format(n="a", port=PA)
    if extra:
        t += SERVER.format(n="x", port=PX)
    return t + "end;\ndeploy flow main;\n"


def proto_version():
    with open(os.path.join(SRC, "common", "proto.h")) as f:
        return re.search(r"#define\s+WSFLOW_PROTO_VERSION\s+(\d+)",
                         f.read()).group(1)


def env(tmp, **kw):
    """The environment of a daemon whose workers are fakeworker.py's."""
    e = dict(os.environ, TREMOR_PATH=os.path.join(SRC, "lib"),
             WSFLOW_WORKER=FAKE, FAKE_VERSION=proto_version(),
             FAKE_LOG=os.path.join(tmp, "starts.log"),
             FAKE_GO=os.path.join(tmp, "go"),
             FAKE_REAL=os.path.join(BLD, "workers", "wsflow-worker"))
    e.update(kw)
    return e


def session_left(sid):
    """Processes still in session sid."""
    left = []
    for p in os.listdir("/proc"):
        if p.isdigit():
            try:
                if os.getsid(int(p)) == sid:
                    left.append(int(p))
            except OSError:
                pass
    return left


def timeout_daemon(tmp):
    """1. Without -d, -t 2: exit 1 naming the worker, nothing left."""
    path = os.path.join(tmp, "flow.troy")
    with open(path, "w") as f:
        f.write(flow())
    pidfile = os.path.join(tmp, "pid")
    t0 = time.monotonic()
    p = subprocess.Popen(
        [WSFLOWD, "-t", "2", "-s", os.path.join(tmp, "ctl.sock"),
         "-p", pidfile, path], cwd=tmp, stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=env(tmp, FAKE_NAME="a", FAKE_SEND="hold"))
    dpid = wait_for(lambda: os.path.exists(pidfile) and
                    open(pidfile).read().strip(), 10, "the pid file")
    dpid = int(dpid)
    out, err = p.communicate(timeout=30)
    took = time.monotonic() - t0
    check(p.returncode == 1, "-t 2, a worker that never starts: the "
          "starting process exits 1 (got %s)" % p.returncode)
    check(2 <= took < 12, "after the timeout, not long after: %.1f s" % took)
    check(re.search(r"^wsflowd: start-up timed out after 2 s: .*main/a "
                    r"\(starting\)", err, re.M) is not None,
          "its standard error names the worker: %r" % err.strip()[-200:])
    check(wait_for(lambda: not session_left(dpid), 10, "the daemon's "
                   "session to end"), "no daemon or worker left")
    check(not os.path.exists(pidfile), "no pid file left")


def timeout_foreground(tmp):
    """1. With -d, -t 1: the same in the foreground."""
    path = os.path.join(tmp, "flow.troy")
    t0 = time.monotonic()
    r = subprocess.run(
        [WSFLOWD, "-d", "-t", "1", "-s", os.path.join(tmp, "ctl2.sock"),
         path], cwd=tmp, stdin=subprocess.DEVNULL, capture_output=True,
        text=True, timeout=30, env=env(tmp, FAKE_NAME="a",
                                       FAKE_SEND="hold"))
    took = time.monotonic() - t0
    check(r.returncode == 1 and 1 <= took < 11, "-d -t 1: exit 1 after "
          "%.1f s (got %d)" % (took, r.returncode))
    check("start-up timed out after 1 s: " in r.stderr and
          "main/a (starting)" in r.stderr, "-d: the log names the worker")


def status(sock, json_out=False):
    """wsflowctl status: the state (from -j) or the text."""
    r = subprocess.run([WSFLOWCTL, "-s", sock] + (["-j"] if json_out
                                                    else []) + ["status"],
                       capture_output=True, text=True, timeout=30)
    if json_out:
        try:
            return json.loads(r.stdout).get("state")
        except ValueError:
            return None
    return r.stdout


def reload_daemon(tmp, name, args=()):
    """wsflowd -d (with args) in its own session, running a alone from
    name.troy, its control socket name.sock, its log wsflowd.err (the
    file, open, returned too); the worker of the connector x a reload
    adds is fake and holds its start until name.hold exists, logging to
    name.log."""
    path = os.path.join(tmp, name + ".troy")
    with open(path, "w") as f:
        f.write(flow())
    sock = os.path.join(tmp, name + ".sock")
    # a alone: a is 0, control 1, exporter 2, keyholder 3: x is 4
    err = open(os.path.join(tmp, "wsflowd.err"), "w")
    d = subprocess.Popen(
        [WSFLOWD, "-d", "-s", sock] + list(args) + [path], cwd=tmp,
        stdin=subprocess.DEVNULL, stdout=err, stderr=err,
        start_new_session=True,
        env=env(tmp, FAKE_IDS="4", FAKE_NAME="x", FAKE_SEND="hold",
                FAKE_GO=os.path.join(tmp, name),
                FAKE_LOG=os.path.join(tmp, name + ".log")))
    return d, path, sock, err


def reload_status(tmp):
    """2. status during a reload that waits for a new connector."""
    d, path, sock, err = reload_daemon(tmp, "x")
    rl = None
    try:
        wait_for(lambda: status(sock, True) == "running", 20,
                 "the daemon to run")
        check(True, "before: status says running")
        with open(path, "w") as f:
            f.write(flow(extra=True))
        rl = subprocess.Popen([WSFLOWCTL, "-s", sock, "reload"],
                              stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
        wait_for(lambda: status(sock, True) == "reloading", 20,
                 "status -j to say reloading")
        check(True, "a reload waiting for x: status -j says reloading")
        check(re.search(r"^state +reloading$", status(sock), re.M)
              is not None, "status says reloading")
        check(rl.poll() is None, "wsflowctl reload still waits")
        xlog = os.path.join(tmp, "x.log")
        wait_for(lambda: os.path.exists(xlog) and open(xlog).read(), 20,
                 "x's worker to be asked to start")
        check(open(xlog).read() == "x start\n", "x's worker holds its "
              "start, the only fake one")
        check(status(sock, True) == "reloading", "status -j still says "
              "reloading")
        open(os.path.join(tmp, "x.hold"), "w").close()
        out, rerr = rl.communicate(timeout=30)
        check(rl.returncode == 0, "x started: the reload exits 0 (%r)"
              % (out + rerr).strip()[-200:])
        check(status(sock, True) == "running" and
              re.search(r"^state +running$", status(sock), re.M),
              "after the reload: status says running")
    finally:
        if rl is not None and rl.poll() is None:
            rl.kill()
            rl.wait()
        stop_session(d)
        err.close()


def reload_cmd(sock):
    """wsflowctl reload, bounded here (without the -t bound on a reload
    it would wait for ever): (exit status or None, output, seconds)."""
    t0 = time.monotonic()
    rl = subprocess.Popen([WSFLOWCTL, "-s", sock, "reload"],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True)
    try:
        out, err = rl.communicate(timeout=40)
    except subprocess.TimeoutExpired:
        rl.kill()
        out, err = rl.communicate()
    return rl.returncode, out + err, time.monotonic() - t0


def refused(port):
    """Does nothing accept on port?"""
    try:
        ws_connect(port, False, timeout=2).close()
    except ConnectionRefusedError:
        return True
    except OSError:
        pass
    return False


def reload_timeout(tmp):
    """3. -t 4: a reload whose new connector x holds its start."""
    # never.hold is never made.  The next reload gives x a new id (ids
    # are never used twice), so there its worker is the real one.
    d, path, sock, err = reload_daemon(tmp, "never", ("-t", "4"))
    c = None
    try:
        wait_for(lambda: status(sock, True) == "running", 30,
                 "the daemon to run")
        c = ws_connect(PA, False)
        check(echo(c, b"before") == b"before", "a client of a echoes")
        with open(path, "w") as f:
            f.write(flow(extra=True))
        rc, out, took = reload_cmd(sock)
        check(rc == 1, "x never starts: wsflowctl reload exits 1 (got %s, "
              "%r)" % (rc, out.strip()[-300:]))
        check(3.9 <= took < 30, "after the -t bound, not long after: "
              "%.1f s" % took)
        check("reload timed out after 4 s: 1 worker did not start: "
              "main/x (starting)" in out, "it names x and how far it got")
        check(open(os.path.join(tmp, "never.log")).read() == "x start\n",
              "x's worker was asked to start and held it")
        check(echo(c, b"during") == b"during", "the client of a keeps its "
              "connection and its echoes")
        check(status(sock, True) == "running", "status says running")
        check(wait_for(lambda: refused(PX), 20, "x's port to close"),
              "x's listening socket is closed again")
        check("reload timed out after 4 s" in open(err.name).read(),
              "the daemon logs the timeout")
        rc, out, took = reload_cmd(sock)
        check(rc == 0 and "1 kept, 1 started" in out, "the next reload, x "
              "a real worker: exits 0 (%s, %r)" % (rc, out.strip()[-300:]))
        x = ws_connect(PX, False)
        check(echo(x, b"x") == b"x", "x serves")
        x.close()
        check(echo(c, b"after") == b"after", "the client of a still "
              "echoes")
        check(status(sock, True) == "running", "status says running")
    finally:
        if c is not None:
            c.close()
        stop_session(d)
        err.close()


def main():
    tmp = tempfile.mkdtemp(prefix="wsflow-startwait.")
    os.chmod(tmp, 0o755)        # the fake workers drop to 65534
    for case in (timeout_daemon, timeout_foreground, reload_status,
                 reload_timeout):
        try:
            case(tmp)
        except Exception as e:  # noqa: BLE001
            check(False, "%s: %s: %s" % (case.__name__, type(e).__name__, e))
    if results["fail"] and os.path.exists(os.path.join(tmp, "wsflowd.err")):
        sys.stdout.write(open(os.path.join(tmp, "wsflowd.err")).read()[-3000:])
    shutil.rmtree(tmp, ignore_errors=True)
    return summary()


if __name__ == "__main__":
    sys.exit(main())
