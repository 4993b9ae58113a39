# SPDX-License-Identifier: ISC
"""wsflowd reloads without dropping what it keeps (wsflowd(8) RELOAD).

One daemon, clients on loopback, the flow file rewritten between reloads:
 1. add connector b: the client of a keeps its connection and its echoes,
    b serves;
 2. change c's pipeline: c's worker stays and its client's next echo
    takes the new pipeline;
 2a. change c's codec: c's worker is replaced (its client gets 1001) on
    the same listening socket while clients that connect in a loop are
    never refused; a keeps its connection;
 3. a syntax error: wsflowctl reload exits 1 naming file:line:col, -j
    gives {"error": ...}, everything keeps running;
 2b. add a connector that cannot start and change c back: the reload
    is undone (exit 1), c's worker and clients never stopped;
 4. remove b by SIGHUP (the same as the command) while b's client does
    not answer the close: a second reload meanwhile is refused, b's
    client gets 1001, a keeps its connection.
systemd hears RELOADING=1 with MONOTONIC_USEC, then READY=1, per reload.
A second daemon re-wires routes between workers: a replaced file sink
gets its kept source's route, a new source feeds the kept sink, a removed
source's route end is dropped from it, and a kept source whose pipeline
now leads to another sink keeps its client.
"""
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "hostile"))
from hostile import echo, frame, read_frame, ws_connect  # noqa: E402
from checks import BLD, SRC, check, summary  # noqa: E402

PA, PB, PC = 14610, 14611, 14612
WSFLOWCTL = os.path.join(BLD, "ctl", "wsflowctl")

HEAD = """define flow main
flow
  use integration;
  use troy::pipelines;
"""
SERVER = """  define connector {n} from ws_server
  with
    codec = "{codec}",
    config = {{ "url": "127.0.0.1:{port}" }}
  end;
  create connector {n};
"""
ECHO = """  create pipeline echo_{n} from pipelines::passthrough;
  connect /connector/{n} to /pipeline/echo_{n};
  connect /pipeline/echo_{n} to /connector/{n};
"""
SHOUT = """  define pipeline shout
  pipeline
    select {{"v2": event}} from in into out;
  end;
  create pipeline echo_{n} from shout;
  connect /connector/{n} to /pipeline/echo_{n};
  connect /pipeline/echo_{n} to /connector/{n};
"""
TAIL = """end;
deploy flow main;
"""


MISSING = """  create connector missing from integration::read_file
    with file = "/nonexistent/in.json" end;
  create pipeline mp from pipelines::passthrough;
  connect /connector/missing to /pipeline/mp;
  connect /pipeline/mp to /connector/a;
"""


def flow(b=False, c_changed=False, broken=False, missing=False,
         c_codec="json"):
    """The flow text: a (binary echo), c (json echo, or through shout), b,
    and a file source that cannot start."""
    t = HEAD + SERVER.format(n="a", codec="binary", port=PA) + \
        ECHO.format(n="a")
    if missing:
        t += MISSING
    if b:
        t += SERVER.format(n="b", codec="binary", port=PB) + \
            ECHO.format(n="b")
    t += SERVER.format(n="c", codec=c_codec, port=PC)
    t += (SHOUT if c_changed else ECHO).format(n="c")
    if broken:
        t += "  connect /connector/a to to;\n"
    return t + TAIL


def close_code(s):
    """Read until a close frame; its status code (None at EOF)."""
    try:
        while True:
            op, data = read_frame(s)
            if op == 8:
                return struct.unpack("!H", data[:2])[0] if data else 0
    except (OSError, ConnectionError):
        return None


def ctl(sock, *args):
    """wsflowctl -s sock args: (exit status, stdout, stderr)."""
    r = subprocess.run([WSFLOWCTL, "-s", sock] + list(args),
                       capture_output=True, text=True, timeout=30)
    return r.returncode, r.stdout, r.stderr


class Notify(threading.Thread):
    """Stands in for systemd: the notify datagrams, in order."""

    def __init__(self, path):
        super().__init__(daemon=True)
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.s.bind(path)
        self.msgs = []

    def run(self):
        while True:
            try:
                self.msgs.append(self.s.recv(4096).decode())
            except OSError:
                return

    def since(self, n):
        """The messages after the first n."""
        return self.msgs[n:]


def wait_for(cond, secs=10.0):
    """Poll cond until true or secs pass; its last value."""
    end = time.monotonic() + secs
    while True:
        v = cond()
        if v or time.monotonic() > end:
            return v
        time.sleep(0.02)


class Acceptor(threading.Thread):
    """Connects to port in a loop (TCP and the upgrade) until told to
    stop, counting what happened: the port must never refuse.  (A
    connection still in its handshake when the old worker drains is
    closed unanswered, as in any stop: counted as cut.)"""

    def __init__(self, port):
        super().__init__(daemon=True)
        self.port = port
        self.stop = False
        self.tries = self.upgraded = self.refused = self.cut = 0

    def run(self):
        while not self.stop:
            self.tries += 1
            try:
                s = ws_connect(self.port, False, timeout=5)
                self.upgraded += 1
                s.close()
            except ConnectionRefusedError:
                self.refused += 1
            except (OSError, ConnectionError):
                self.cut += 1


ROUTED = """define flow main
flow
  use integration;
  use troy::pipelines;
  define connector a from ws_server
  with codec = "json", config = {{ "url": "127.0.0.1:{pa}" }} end;
  create connector a;
  create connector {sink} from integration::write_file
    with file = "{out}" end;
  create pipeline p from pipelines::passthrough;
  connect /connector/a to /pipeline/p;
  connect /pipeline/p to /connector/a;
  connect /pipeline/p to /connector/{sink};
{b}end;
deploy flow main;
"""
ROUTED_B = """  define connector b from ws_server
  with codec = "json", config = {{ "url": "127.0.0.1:{pb}" }} end;
  create connector b;
  create pipeline q from pipelines::passthrough;
  connect /connector/b to /pipeline/q;
  connect /pipeline/q to /connector/{sink};
"""


def start(tmp, path):
    """wsflowd -d -v on path in tmp with its own control socket and a
    stand-in for systemd; (process, socket, log, notify)."""
    sock = os.path.join(tmp, "ctl.sock")
    log = os.path.join(tmp, "wsflowd.err")
    notify = Notify(os.path.join(tmp, "notify.sock"))
    notify.start()
    env = dict(os.environ, TREMOR_PATH=os.path.join(SRC, "lib"),
               NOTIFY_SOCKET=os.path.join(tmp, "notify.sock"))
    with open(log, "w") as err:
        d = subprocess.Popen([os.path.join(BLD, "supervisor", "wsflowd"),
                              "-d", "-v", "-s", sock, path], cwd=tmp, env=env,
                             stdin=subprocess.DEVNULL, stdout=err, stderr=err,
                             start_new_session=True)
    check(wait_for(lambda: any("READY=1" in m for m in notify.msgs), 20),
          "started: READY=1")
    return d, sock, log, notify


def workdir(name):
    """A fresh directory for one daemon."""
    tmp = os.path.join(BLD, "tests", name)
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    return tmp


def write_flow(path, text):
    """Replace the flow file at once (a reload never reads half of it)."""
    with open(path + ".new", "w") as f:
        f.write(text)
    os.rename(path + ".new", path)


def lines(path):
    """The lines written to a file so far."""
    try:
        with open(path) as f:
            return f.read().split("\n")
    except OSError:
        return []


def stop(d, sock, log):
    """wsflowctl stop: exit 0, and nothing lost or misbehaving logged."""
    ctl(sock, "stop")
    d.wait(timeout=20)
    check(d.returncode == 0, "stopped: exit 0")
    with open(log) as f:
        text = f.read()
    check("protocol error" not in text and "lost child" not in text,
          "no protocol error or lost worker logged")


def routes():
    """Reloads that re-wire routes between workers: a replaced sink gets
    the kept source's route, a new source feeds a kept sink (a new route
    to a running worker), a removed source's route is dropped."""
    tmp = workdir("reload-routes.work")
    path = os.path.join(tmp, "flow.troy")
    pa, pb = PC + 1, PC + 2
    write_flow(path, ROUTED.format(pa=pa, sink="out", out="out1.log",
                                   b=""))
    d, sock, log, notify = start(tmp, path)
    try:
        ca = ws_connect(pa, False)
        check(echo(ca, b'"r0"', 1) == b'"r0"', "a echoes")
        check(wait_for(lambda: '"r0"' in lines(os.path.join(tmp,
                                                            "out1.log"))),
              "a's events reach out1.log")
        # the sink replaced: a is kept, its route goes to the new out
        write_flow(path, ROUTED.format(pa=pa, sink="out", out="out2.log",
                                       b=""))
        rc, out, err = ctl(sock, "reload")
        check(rc == 0 and out.strip() == "reloaded: 1 kept, 0 started, "
              "1 replaced, 0 stopped", "sink replaced: %d %r %r"
              % (rc, out.strip(), err.strip()))
        check(echo(ca, b'"r1"', 1) == b'"r1"', "sink replaced: a's client "
              "kept")
        check(wait_for(lambda: '"r1"' in lines(os.path.join(tmp,
                                                            "out2.log"))),
              "sink replaced: a's events reach the new sink's out2.log")
        # a source added into the kept sink
        write_flow(path, ROUTED.format(pa=pa, sink="out", out="out2.log",
                                       b=ROUTED_B.format(pb=pb, sink="out")))
        rc, out, err = ctl(sock, "reload")
        check(rc == 0 and out.strip() == "reloaded: 2 kept, 1 started, "
              "0 replaced, 0 stopped", "source added: %d %r %r"
              % (rc, out.strip(), err.strip()))
        cb = ws_connect(pb, False)
        cb.sendall(frame(1, b'"from-b"'))
        check(wait_for(lambda: '"from-b"' in lines(os.path.join(
            tmp, "out2.log"))), "source added: b's events reach the kept "
              "sink")
        check(echo(ca, b'"r2"', 1) == b'"r2"', "source added: a's client "
              "kept")
        # the source removed: its route to the kept sink is dropped
        write_flow(path, ROUTED.format(pa=pa, sink="out", out="out2.log",
                                       b=""))
        rc, out, err = ctl(sock, "reload")
        check(rc == 0 and out.strip() == "reloaded: 2 kept, 0 started, "
              "0 replaced, 1 stopped", "source removed: %d %r %r"
              % (rc, out.strip(), err.strip()))
        check(close_code(cb) == 1001, "source removed: b's client got 1001")
        check(echo(ca, b'"r3"', 1) == b'"r3"', "source removed: a's client "
              "kept")
        check(wait_for(lambda: '"r3"' in lines(os.path.join(tmp,
                                                            "out2.log"))),
              "source removed: a's events still reach the sink")
        rc, out, err = ctl(sock, "-j", "show", "stats")
        st = {c["name"]: c for c in json.loads(out)["connectors"]}
        ends = st.get("out", {}).get("stats", {}).get("routes", [])
        check(len(ends) == 1 and ends[0]["up"],
              "source removed: the sink holds one route end, up: %s" % ends)
        # a's pipeline now leads to another sink: a keeps its worker and
        # client, gets a route to the new sink and closes the old one
        write_flow(path, ROUTED.format(pa=pa, sink="out3", out="out3.log",
                                       b=""))
        rc, out, err = ctl(sock, "reload")
        check(rc == 0 and out.strip() == "reloaded: 1 kept, 1 started, "
              "0 replaced, 1 stopped; new pipelines in kept workers",
              "sink moved: %d %r %r" % (rc, out.strip(), err.strip()))
        check(echo(ca, b'"r4"', 1) == b'"r4"', "sink moved: a's client kept")
        check(wait_for(lambda: '"r4"' in lines(os.path.join(tmp,
                                                            "out3.log"))),
              "sink moved: a's events reach the new sink")
        check('"r4"' not in lines(os.path.join(tmp, "out2.log")),
              "sink moved: and not the old one")
        rc, out, err = ctl(sock, "-j", "show", "stats")
        st = {c["name"]: c for c in json.loads(out)["connectors"]}
        ends = [(e["end"], e["up"]) for e in
                st.get("a", {}).get("stats", {}).get("routes", [])]
        check(ends == [("out", True)], "sink moved: a holds one route end, "
              "out and up: %s" % ends)
        stop(d, sock, log)
    finally:
        if d.poll() is None:
            os.killpg(d.pid, signal.SIGKILL)
            d.wait()


def main():
    routes()
    tmp = workdir("reload.work")
    path = os.path.join(tmp, "flow.troy")

    def write(text):
        write_flow(path, text)

    def logged(s):
        with open(log) as f:
            return s in f.read()

    write(flow())
    d, sock, log, notify = start(tmp, path)
    try:
        ca = ws_connect(PA, False)
        cc = ws_connect(PC, False)
        check(echo(ca, b"a0") == b"a0", "a echoes")
        check(echo(cc, b'"c0"', 1) == b'"c0"', "c echoes")

        # 1. a connector added
        n0 = len(notify.msgs)
        write(flow(b=True))
        rc, out, err = ctl(sock, "reload")
        check(rc == 0, "reload 1 (add b): exit 0 (%d %s)" % (rc, err.strip()))
        check(out.strip() == "reloaded: 2 kept, 1 started, 0 replaced, "
              "0 stopped", "reload 1: summary %r" % out.strip())
        check(echo(ca, b"a1") == b"a1", "reload 1: a's client kept, echoes")
        check(echo(cc, b'"c1"', 1) == b'"c1"', "reload 1: c's client kept")
        cb = ws_connect(PB, False)
        check(echo(cb, b"b1") == b"b1", "reload 1: the new connector b serves")
        wait_for(lambda: any("READY=1" in m for m in notify.since(n0)))
        got = notify.since(n0)
        check(len(got) >= 2 and got[0].startswith("RELOADING=1\n"
                                                  "MONOTONIC_USEC=") and
              "READY=1" in got[-1], "reload 1: RELOADING=1 with "
              "MONOTONIC_USEC, then READY=1: %r" % got)
        usec = int(got[0].split("\n")[1].split("=")[1]) if got else 0
        now = time.clock_gettime(time.CLOCK_MONOTONIC) * 1e6
        check(0 < now - usec < 10e6, "reload 1: MONOTONIC_USEC is "
              "CLOCK_MONOTONIC (%d us ago)" % (now - usec))

        # 2. c's pipeline changed: c's worker stays and takes it, on the
        # connection c's client already has
        write(flow(b=True, c_changed=True))
        rc, out, err = ctl(sock, "reload")
        check(rc == 0 and out.strip() == "reloaded: 3 kept, 0 started, "
              "0 replaced, 0 stopped; new pipelines in kept workers",
              "reload 2 (c's pipeline): %d %r %r"
              % (rc, out.strip(), err.strip()))
        check(json.loads(echo(cc, b'"c2"', 1)) == {"v2": "c2"},
              "reload 2: c's client kept, and its echo takes the new "
              "pipeline")
        check(echo(ca, b"a2") == b"a2", "reload 2: a's client kept")
        check(echo(cb, b"b2") == b"b2", "reload 2: b's client kept")

        # 2a. c's codec changed: its worker is replaced, on the same
        # listening socket, while clients connect in a loop
        acc = Acceptor(PC)
        acc.start()
        wait_for(lambda: acc.upgraded >= 5)
        write(flow(b=True, c_changed=True, c_codec="json-sorted"))
        t0 = time.monotonic()
        rc, out, err = ctl(sock, "reload")
        took = time.monotonic() - t0
        before = acc.upgraded
        wait_for(lambda: acc.upgraded >= before + 5)
        acc.stop = True
        acc.join()
        check(rc == 0 and out.strip() == "reloaded: 2 kept, 0 started, "
              "1 replaced, 0 stopped", "reload 2a (c's codec): %d %r %r"
              % (rc, out.strip(), err.strip()))
        check(acc.refused == 0 and acc.upgraded >= before + 5,
              "reload 2a: c's port never refused across the swap: %d "
              "connections, %d upgraded, %d refused, %d cut in their "
              "handshake by the old worker's drain"
              % (acc.tries, acc.upgraded, acc.refused, acc.cut))
        check(close_code(cc) == 1001, "reload 2a: c's old client got 1001")
        check(echo(ca, b"a2a") == b"a2a", "reload 2a: a's client kept")
        check(echo(cb, b"b2a") == b"b2a", "reload 2a: b's client kept")
        cc = ws_connect(PC, False)
        check(json.loads(echo(cc, b'"c2a"', 1)) == {"v2": "c2a"},
              "reload 2a: a new client of c is served")
        print("reload 2a took %.3f s" % took)

        # 2b. a new connector that cannot start (its file is missing) and
        # c changed back: the reload is undone, c's worker never stopped
        write(flow(b=True, c_changed=False, missing=True,
                   c_codec="json-sorted"))
        rc, out, err = ctl(sock, "reload")
        check(rc == 1 and "connector missing" in err and "undone" in err,
              "reload 2b (a connector fails to start): exit 1 naming it: "
              "%r" % err.strip())
        check(json.loads(echo(cc, b'"c2b"', 1)) == {"v2": "c2b"},
              "reload 2b: c's client kept, c's pipeline as before")
        check(echo(ca, b"a2b") == b"a2b", "reload 2b: a's client kept")
        check(echo(cb, b"b2b") == b"b2b", "reload 2b: b's client kept")
        c2 = ws_connect(PC, False)
        check(json.loads(echo(c2, b'"n2b"', 1)) == {"v2": "n2b"},
              "reload 2b: a new client of c gets the running pipeline")
        c2.close()
        rc, out, err = ctl(sock, "-j", "show", "connectors")
        names = sorted(c["name"] for c in json.loads(out)["connectors"])
        check(names == ["a", "b", "c"], "reload 2b: connectors %s" % names)
        rc, out, err = ctl(sock, "-j", "show", "stats")
        st = {c["name"]: c for c in json.loads(out)["connectors"]}
        check(st.get("a", {}).get("stats", {}).get("routes") == [],
              "reload 2b: a holds no route from the undone connector: %s"
              % st.get("a", {}).get("stats", {}).get("routes"))

        # 3. a syntax error
        write(flow(b=True, c_changed=True, broken=True,
                   c_codec="json-sorted"))
        rc, out, err = ctl(sock, "reload")
        check(rc == 1 and "flow.troy:" in err and
              err.split("flow.troy:")[1].split(":")[0].isdigit(),
              "reload 3 (syntax error): exit 1 naming file:line:col: %r"
              % err.strip().split("\n")[0])
        rc, out, err = ctl(sock, "-j", "reload")
        try:
            j = json.loads(out)
        except ValueError:
            j = {}
        check(rc == 1 and "flow.troy:" in j.get("error", ""),
              "reload 3: -j gives {\"error\": ...}: %r" % out.strip()[:80])
        check(logged("reload failed: " + path) or logged("reload failed: "),
              "reload 3: the error is logged")
        check(echo(ca, b"a3") == b"a3", "reload 3: a's client kept")
        check(echo(cb, b"b3") == b"b3", "reload 3: b's client kept")
        check(json.loads(echo(cc, b'"c3"', 1)) == {"v2": "c3"},
              "reload 3: c's client kept, still the new pipeline")

        # 4. b removed by SIGHUP; b's client does not answer the close,
        # so the reload waits for it: a second one is refused meanwhile.
        write(flow(b=False, c_changed=True, c_codec="json-sorted"))
        d.send_signal(signal.SIGHUP)
        check(wait_for(lambda: logged("signal 1: reloading")),
              "reload 4: SIGHUP starts a reload")
        rc, out, err = ctl(sock, "reload")
        check(rc == 1 and "in progress" in err,
              "reload 4: a reload during a reload is refused: %d %r"
              % (rc, err.strip()))
        check(wait_for(lambda: logged("reloaded: 2 kept, 0 started, "
                                      "0 replaced, 1 stopped")),
              "reload 4: SIGHUP reloads as the command does")
        check(close_code(cb) == 1001, "reload 4: b's client got 1001")
        check(echo(ca, b"a4") == b"a4", "reload 4: a's client kept")
        check(json.loads(echo(cc, b'"c4"', 1)) == {"v2": "c4"},
              "reload 4: c's client kept")
        rc, out, err = ctl(sock, "-j", "show", "connectors")
        names = sorted(c["name"] for c in json.loads(out)["connectors"])
        check(names == ["a", "c"], "reload 4: connectors %s" % names)
        try:
            socket.create_connection(("127.0.0.1", PB), timeout=2).close()
            refused = False
        except OSError:
            refused = True
        check(refused, "reload 4: b's port is closed")

        stop(d, sock, log)
    finally:
        if d.poll() is None:
            os.killpg(d.pid, signal.SIGKILL)
            d.wait()
    return summary()


if __name__ == "__main__":
    sys.exit(main())
