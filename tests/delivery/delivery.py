# SPDX-License-Identifier: ISC
"""tests/delivery: what acknowledgements promise, with a real daemon.

Every case writes into a FIFO that this script reads at its own pace
(Gate), so the flow is held mid-input, its workers waiting, when one is
killed: no kill can come too late, however busy the machine.

  source  a regular file of 100,000 records; its source killed 5 times:
          out.log holds every record, in order but for replays, and the
          lines beyond 100,000 are exactly the sink's duplicates count.
  sink    the same with the sink killed 5 times: every record at least
          once, duplicates no more than the source's replayed count.
  ws      100,000 records from a WebSocket client; the sink killed 5
          times: sent = written + lost, exactly.
  fanout  the source killed twice while its events go to two sinks, one
          through a where: each sink has its records, duplicates as
          counted.
  resume  the daemon stopped mid-file and started again with resume =
          true: it goes on from where it was acknowledged.

Usage: delivery.py CASE...; last line "N passed, N failed".
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from checks import BLD, SRC, check, summary  # noqa: E402

RECORDS = 100000
KILLS = 5
PORT = 14510
PAD = "abcdefghijklmnopqrstuvwxyz0123456789"


def wait_for(cond, what, secs=60.0):
    """Poll cond until it is true; a timeout is an error naming what."""
    end = time.monotonic() + secs
    while True:
        v = cond()
        if v:
            return v
        if time.monotonic() > end:
            raise TimeoutError("waited %d s for %s" % (secs, what))
        time.sleep(0.02)


class Gate:
    """Reads out.fifo into out.log, stopping once it has limit lines."""

    def __init__(self, path, log):
        # read-write: the sink's open never waits, and a killed sink is
        # no end of input
        self.fd = os.open(path, os.O_RDWR)
        self.log = open(log, "wb")
        self.lines = 0
        self.limit = 0
        self.rest = b""
        self.cv = threading.Condition()
        self.done = False
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while True:
            with self.cv:
                while self.lines >= self.limit and not self.done:
                    self.cv.wait()
                if self.done:
                    return
            data = os.read(self.fd, 65536)
            self.log.write(data)
            self.log.flush()
            with self.cv:
                self.lines += data.count(b"\n")
                self.cv.notify_all()

    def allow(self, n):
        """Read until n lines (None: everything) have come."""
        with self.cv:
            self.limit = n if n is not None else 1 << 62
            self.cv.notify_all()

    def count(self):
        with self.cv:
            return self.lines

    def close(self):
        with self.cv:
            self.done = True
            self.cv.notify_all()
        self.log.close()


class Daemon:
    """wsflowd in its own session, own control socket and state dir."""

    def __init__(self, tmp, flow, args):
        self.tmp = tmp
        self.sock = os.path.join(tmp, "ctl.sock")
        self.err = os.path.join(tmp, "wsflowd.err")
        self.argv = [os.path.join(BLD, "supervisor", "wsflowd"), "-dv",
                     "-s", self.sock, "-S", tmp] + args + [
                     os.path.join(SRC, "tests", "delivery", flow)]
        self.proc = None

    def start(self):
        env = dict(os.environ, TREMOR_PATH=os.path.join(SRC, "lib"))
        with open(self.err, "a") as err:
            self.proc = subprocess.Popen(
                self.argv, cwd=self.tmp, env=env, stdin=subprocess.DEVNULL,
                stdout=err, stderr=err, start_new_session=True)
        wait_for(lambda: self.proc.poll() is not None or
                 (self.worker("file out") and self.stats() is not None),
                 "wsflowd to run")
        if self.proc.poll() is not None:
            raise RuntimeError("wsflowd exited %d" % self.proc.returncode)

    def worker(self, title):
        """The pid of the worker titled "wsflowd: TITLE", or None."""
        try:
            kids = open("/proc/%d/task/%d/children" % (
                self.proc.pid, self.proc.pid)).read().split()
        except OSError:
            return None
        for k in kids:
            try:
                cmd = open("/proc/%s/cmdline" % k, "rb").read()
            except OSError:
                continue
            if cmd.rstrip(b"\0 ") == b"wsflowd: " + title.encode():
                return int(k)
        return None

    def connectors(self):
        """name -> entry of show stats (state, stats), or None."""
        r = subprocess.run(
            [os.path.join(BLD, "ctl", "wsflowctl"), "-s", self.sock, "-j",
             "show", "stats"], capture_output=True, text=True, timeout=20)
        if r.returncode != 0:
            return None
        return {c["name"]: c for c in json.loads(r.stdout)["connectors"]}

    def stats(self):
        """name -> counters of every connector that answered, or None."""
        c = self.connectors()
        if c is None:
            return None
        return {k: v.get("stats") or {} for k, v in c.items()}

    def kill_worker(self, title):
        """SIGKILL it and wait until its replacement runs."""
        pid = self.worker(title)
        os.kill(pid, signal.SIGKILL)
        wait_for(lambda: (self.worker(title) or pid) != pid and
                 (self.connectors() or {}).get(title.split()[1], {}).get(
                     "state") == "running", "%s restarted" % title)

    def stop(self):
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def log(self):
        with open(self.err, errors="replace") as f:
            return f.read()


def waiting(pid):
    """Is the sink waiting for room in its output (poll, not epoll)?"""
    try:
        return open("/proc/%d/wchan" % pid).read().startswith("poll_")
    except OSError:
        return False


def records(n):
    return "".join('{"i":%d,"pad":"%s"}\n' % (i, PAD)
                   for i in range(1, n + 1))


def setup(name, n):
    """A fresh directory with in.json of n records (0: none), out.fifo
    and the gate reading it; (directory, gate)."""
    tmp = os.path.join(BLD, "tests", "delivery.work", name)
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    if n > 0:
        with open(os.path.join(tmp, "in.json"), "w") as f:
            f.write(records(n))
    os.mkfifo(os.path.join(tmp, "out.fifo"))
    return tmp, Gate(os.path.join(tmp, "out.fifo"),
                     os.path.join(tmp, "out.log"))


def finish(d, gate, tmp):
    """Let every record through, stop; (stats, records written, all of
    them there in order, replayed lines)."""
    try:
        s = settle(d, gate, lambda n: n >= RECORDS)
    finally:
        d.stop()
        gate.close()
    nums = read_out(tmp)
    whole, dups = order(nums, RECORDS)
    return s, nums, whole, dups


def read_out(tmp, name="out.log"):
    """The record numbers in a sink's file, in order."""
    with open(os.path.join(tmp, name)) as f:
        return [json.loads(line)["i"] for line in f]


def order(nums, n):
    """(every 1..n there, no gap; replayed lines) of a record sequence."""
    high = dups = 0
    for i in nums:
        if i <= high:
            dups += 1
        elif i == high + 1:
            high = i
        else:
            return False, dups
    return high == n, dups


def settle(d, gate, want_out):
    """Everything read: the sink wrote what the gate has, twice alike."""
    gate.allow(None)
    prev = [None]

    def still():
        s = d.stats() or {}
        out = s.get("out", {})
        key = (out.get("events_out"), gate.count(), s.get("in", {}).get(
            "events_in"))
        ok = want_out(gate.count()) and key == prev[0]
        prev[0] = key
        return s if ok else None
    return wait_for(still, "the flow to settle", 120)


def kill_cycle(d, gate, title, kills=KILLS):
    """Kills, each with the flow held: a sink waiting on the FIFO."""
    for k in range(1, kills + 1):
        gate.allow(k * RECORDS // (kills + 2))
        wait_for(lambda: gate.count() >= k * RECORDS // (kills + 2),
                 "out.log to grow")
        wait_for(lambda: waiting(d.worker("file out") or 0),
                 "the sink to wait on its output")
        d.kill_worker(title)


def case_file(name, title):
    tmp, gate = setup(name, RECORDS)
    d = Daemon(tmp, "file.troy", [])
    try:
        d.start()
        kill_cycle(d, gate, title)
    except BaseException:
        d.stop()
        gate.close()
        raise
    s, nums, whole, dups = finish(d, gate, tmp)
    check(whole, "%s: all %d records in order (but for replays)" %
          (name, RECORDS))
    log = d.log()
    check(log.count("killed by signal 9") == KILLS,
          "%s: %d kills" % (name, KILLS))
    if title == "file in":
        check(log.count("connector in: resuming in.json at offset") ==
              KILLS, "%s: the source resumed %d times" % (name, KILLS))
        check(dups == s["out"]["duplicates"],
              "%s: written %d = %d records + %d duplicates counted" %
              (name, len(nums), RECORDS, s["out"]["duplicates"]))
    else:
        check(log.count("reading again from offset") == KILLS,
              "%s: the source went back %d times" % (name, KILLS))
        # the sink acknowledged all it wrote before it waited
        check(dups == 0, "%s: written %d = %d records, %d replayed" %
              (name, len(nums), RECORDS, s["in"]["replayed"]))
    check(s["in"]["lost"] == 0 and s["in"]["dropped"] == 0,
          "%s: nothing lost or dropped" % name)


def ws_send(n):
    """Send records 1..n over one WebSocket connection, then close."""
    s = socket.create_connection(("127.0.0.1", PORT), timeout=60)
    s.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
              b"Connection: Upgrade\r\nSec-WebSocket-Key: "
              b"dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
    head = b""
    while b"\r\n\r\n" not in head:
        head += s.recv(4096)
    buf = bytearray()
    for i in range(1, n + 1):
        p = ('{"i":%d,"pad":"%s"}' % (i, PAD)).encode()
        buf += bytes([0x81, 0x80 | len(p), 0, 0, 0, 0]) + p
        if len(buf) > 65536:
            s.sendall(buf)
            buf = bytearray()
    s.sendall(buf)
    return s


def case_ws():
    tmp, gate = setup("ws", 0)
    d = Daemon(tmp, "ws.troy", ["-D", "url=127.0.0.1:%d" % PORT])
    conns = []
    try:
        d.start()
        sender = threading.Thread(
            target=lambda: conns.append(ws_send(RECORDS)))
        sender.start()
        kill_cycle(d, gate, "file out")
        gate.allow(None)
        sender.join(120)
        s = settle(d, gate, lambda n: (d.stats() or {}).get("in", {}).get(
            "events_in") == RECORDS)
    finally:
        d.stop()
        gate.close()
    nums = read_out(tmp)
    lost = s["in"]["lost"] + s["in"]["dropped"]
    check(len(set(nums)) == len(nums), "ws: no record twice")
    check(nums == sorted(nums), "ws: in order")
    check(s["in"]["events_in"] == RECORDS,
          "ws: the source got all %d records" % RECORDS)
    check(len(nums) + lost == RECORDS,
          "ws: sent %d = written %d + lost %d (%d of them dropped on a "
          "route found down)" % (RECORDS, len(nums), lost,
                                 s["in"]["dropped"]))
    check(lost > 0, "ws: kills with events in flight lose some (%d)" % lost)
    for c in conns:
        c.close()


def case_resume():
    tmp, gate = setup("resume", RECORDS)
    d = Daemon(tmp, "file.troy", ["-D", "resume=true"])
    state = os.path.join(tmp, "main.in.pos")
    try:
        d.start()
        gate.allow(RECORDS // 3)
        wait_for(lambda: gate.count() >= RECORDS // 3, "out.log to grow")
        wait_for(lambda: waiting(d.worker("file out") or 0),
                 "the sink to wait on its output")
        # a graceful stop mid-file: the source stops reading, what is in
        # flight is written and acknowledged, the position kept
        d.proc.send_signal(signal.SIGTERM)
        wait_for(lambda: "stopping (graceful)" in d.log(), "the drain")
        gate.allow(None)
        d.proc.wait(timeout=60)
        first = gate.count()
        saved = json.load(open(state))
        d = Daemon(tmp, "file.troy", ["-D", "resume=true"])
        d.start()
    except BaseException:
        d.stop()
        gate.close()
        raise
    s, nums, whole, dups = finish(d, gate, tmp)
    check(saved["path"] == "in.json" and saved["offset"] > 0,
          "resume: the state file holds offset %d" % saved["offset"])
    check(whole, "resume: all %d records in order" % RECORDS)
    check(dups == 0 and first < RECORDS,
          "resume: went on after record %d, nothing twice" % first)
    check(s["in"]["events_in"] == RECORDS - saved["events"],
          "resume: the second run read only the rest (%d events)" %
          s["in"]["events_in"])
    check(d.log().count("connector in: resuming at offset %d" %
                        saved["offset"]) == 1,
          "resume: said where it resumed")


def case_fanout():
    """The source killed while its events fan out to two sinks, one
    branch filtered: it resumes where both acknowledged."""
    tmp, gate = setup("fanout", RECORDS)
    d = Daemon(tmp, "fanout.troy", [])
    try:
        d.start()
        kill_cycle(d, gate, "file in", 2)
    except BaseException:
        d.stop()
        gate.close()
        raise
    s, nums, whole, dups = finish(d, gate, tmp)
    evens = read_out(tmp, "even.log")
    ewhole, edups = order([i // 2 for i in evens if i % 2 == 0],
                          RECORDS // 2)
    check(whole and dups == s["out"]["duplicates"],
          "fanout: every record to out, %d duplicates as counted" % dups)
    check(ewhole and all(i % 2 == 0 for i in evens) and
          edups == s["even"]["duplicates"],
          "fanout: every even record (only those) to even, %d duplicates "
          "as counted" % edups)


def main():
    cases = {"fanout": case_fanout,"source": lambda: case_file("source", "file in"),
             "sink": lambda: case_file("sink", "file out"),
             "ws": case_ws, "resume": case_resume}
    for c in sys.argv[1:] or sorted(cases):
        try:
            cases[c]()
        except (TimeoutError, RuntimeError, OSError, KeyError) as e:
            check(False, "%s: %s" % (c, e))
    return summary()


if __name__ == "__main__":
    sys.exit(main())
