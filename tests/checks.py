# SPDX-License-Identifier: ISC
"""What the Python test scripts share (the counterpart of checks.sh): the
source and build directories, assertions counted and printed as
"ok: ..." / "FAIL: ...", and the closing "N passed, N failed" line."""
import asyncio
import os
import signal
import subprocess
import sys
import time

SRC = os.environ.get("top_srcdir") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), ".."))
BLD = os.environ.get("top_builddir") or os.path.join(SRC, "build")

results = {"pass": 0, "fail": 0}


def check(ok, what):
    """Count and print one assertion."""
    results["pass" if ok else "fail"] += 1
    print("%s: %s" % ("ok" if ok else "FAIL", what), flush=True)
    return ok


def program(name):
    """A built program (wsflowd under supervisor/, wsflowctl under ctl/)."""
    for d in ("supervisor", "ctl"):
        p = os.path.join(BLD, d, name)
        if os.access(p, os.X_OK):
            return p
    sys.exit("%s not built under %s" % (name, BLD))


async def await_for(cond, secs, what, step=0.01):
    """Poll cond() until it returns something true (returned) or secs pass
    (an exception naming what was awaited; what may be a function, called
    for the message).  The asyncio loop, and so the clients, run on."""
    end = time.monotonic() + secs
    while True:
        v = cond()
        if v:
            return v
        if time.monotonic() > end:
            raise TimeoutError("waited %.0f s for %s"
                               % (secs, what() if callable(what) else what))
        await asyncio.sleep(step)


def wait_for(cond, secs, what, step=0.02):
    """Poll cond() until it returns something true (returned) or secs pass
    (an exception naming what was awaited)."""
    end = time.monotonic() + secs
    while True:
        v = cond()
        if v:
            return v
        if time.monotonic() > end:
            raise TimeoutError("waited %.0f s for %s" % (secs, what))
        time.sleep(step)


def stop_session(proc):
    """SIGTERM to a daemon started in its own session (proc, a Popen, or
    None), then SIGKILL to the session if it lingers."""
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def summary():
    """Print the closing line; the exit status: 1 if anything failed."""
    print("%d passed, %d failed" % (results["pass"], results["fail"]))
    return 1 if results["fail"] else 0
