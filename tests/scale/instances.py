#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""ws_server instances = 2 (instances.troy) with a real daemon on loopback.

1. N clients of the echo connector all get their own echoes, and both
   instances served some (SO_REUSEPORT spreads connections by their
   source ports: each of 2 instances gets at least one of N with
   probability 1 - 2^(1-N)); show stats lists echo#1, echo#2 and their
   sum, the metrics have the three.
2. Relay clients of front: each gets only its own answers back through
   the upstream connection, which are delivered to the instance that
   holds the client (no instance counts an event it could not route).
   The relay (back) has two instances too: each client's stream goes to
   one of them, which opens its upstream connection, so the upstream
   sees exactly one connection per client (not one per relay instance),
   both relay instances hold some, and no answer comes twice.
3. One instance is killed (SIGKILL): exactly its clients are dropped, the
   other's keep their connections and their echoes; the killed one is
   restarted alone (the other keeps its pid, no restart) and serves new
   clients again; clients that connect while it is down are all served
   (the supervisor keeps its socket, so none is refused or lost).
4. "auto" resolves to the number of online CPUs (wsflowd -n -v); worker
   process titles name the instance.
The last line is "N passed, N failed"."""
import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import tempfile

import websockets

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))
from checks import (SRC, await_for, check, program, results,  # noqa: E402
                    stop_session, summary)

ECHO, FRONT, UPSTREAM = 14580, 14581, 14582
N = 60          # echo clients
R = 20          # relay clients
LATE = 40       # echo clients after the restart
DOWN = 20       # echo clients while one instance is down


def ctl(sock, *args):
    """wsflowctl -s sock ARGS: its standard output."""
    return subprocess.run([program("wsflowctl"), "-s", sock] + list(args),
                          capture_output=True, text=True, timeout=10,
                          check=True).stdout


def stats(sock):
    """The connectors of `wsflowctl -j show stats`, by name."""
    return {c["name"]: c for c in
            json.loads(ctl(sock, "-j", "show", "stats"))["connectors"]}


def running(sock):
    """Whether every connector of the daemon at sock runs."""
    try:
        return all(c["state"] == "running" for c in stats(sock).values())
    except (OSError, subprocess.SubprocessError, ValueError):
        return False


def conn(c, key):
    """A connector-specific counter of a show stats entry (0 if none)."""
    return ((c.get("stats") or {}).get("connector") or {}).get(key, 0)


class Client:
    """One echo or relay client; it checks every answer is its own."""

    def __init__(self, port, i):
        self.port, self.id, self.n, self.ws = port, i, 0, None

    async def open(self):
        self.ws = await websockets.connect("ws://127.0.0.1:%d/" % self.port,
                                           open_timeout=10,
                                           ping_interval=None)
        await self.echo()
        return self

    async def echo(self):
        self.n += 1
        msg = json.dumps({"c": self.id, "n": self.n})
        await self.ws.send(msg)
        got = await asyncio.wait_for(self.ws.recv(), 10)
        if isinstance(got, bytes):
            got = got.decode()
        if json.loads(got) != json.loads(msg):
            raise RuntimeError("client %d: %r is not %r"
                               % (self.id, got, msg))


async def alive(c):
    """Whether client c still echoes (False once its connection is gone)."""
    try:
        await c.echo()
        return True
    except (websockets.exceptions.ConnectionClosed, asyncio.TimeoutError):
        return False


UPSTREAM_SEEN = [0]     # connections the upstream peer accepted


async def thrice(c):
    """Whether client c echoes three times in a row."""
    return await alive(c) and await alive(c) and await alive(c)


async def upstream(ws):
    """The relay's upstream peer: an echo that counts its connections."""
    UPSTREAM_SEEN[0] += 1
    async for m in ws:
        await ws.send(m)


async def run(tmp, sock):
    # 1. spread and echoes
    echo = [Client(ECHO, i) for i in range(N)]
    got = await asyncio.gather(*[c.open() for c in echo],
                               return_exceptions=True)
    bad = [g for g in got if isinstance(g, Exception)]
    check(not bad, "%d echo clients over 2 instances get their own echoes"
          "%s" % (N, " (%r)" % bad[0] if bad else ""))
    st = stats(sock)
    one, two = conn(st["echo#1"], "open"), conn(st["echo#2"], "open")
    print("spread: echo#1 %d, echo#2 %d" % (one, two))
    check(one >= 1 and two >= 1 and one + two == N,
          "both instances hold connections (%d + %d = %d)" % (one, two, N))
    s = st.get("echo")
    check(s is not None and s.get("instances") == 2 and
          conn(s, "open") == N and s["stats"]["events_in"] ==
          st["echo#1"]["stats"]["events_in"] +
          st["echo#2"]["stats"]["events_in"],
          "show stats -j sums the instances (echo: open %s)"
          % (conn(s, "open") if s else None))
    text = ctl(sock, "show", "stats")
    check(all(re.search(r"^%s\s+ws_server\s+running" % re.escape(n), text,
                        re.M) for n in ("echo#1", "echo#2", "echo")),
          "show stats has a row per instance and one for their sum")
    prom = ctl(sock, "metrics")
    want = 'wsflow_connections_open{connector="echo",flow="main"} %d' % N
    check(want in prom and 'connector="echo#1"' in prom and
          'connector="echo#2"' in prom,
          "metrics per instance and summed (%s)" % want)
    titles = {}
    for n in ("echo#1", "echo#2"):
        try:
            with open("/proc/%d/cmdline" % st[n]["pid"], "rb") as f:
                titles[n] = f.read().replace(b"\0", b" ").decode()
        except OSError:
            titles[n] = ""
    check(all(n in titles[n] for n in titles),
          "process titles name the instance (%s)" % list(titles.values()))

    # 2. relay answers reach the instance holding the client
    front = [Client(FRONT, 1000 + i) for i in range(R)]
    got = await asyncio.gather(*[c.open() for c in front],
                               return_exceptions=True)
    bad = [g for g in got if isinstance(g, Exception)]
    # a duplicated answer would arrive in place of the next one
    ok = not bad and all(await asyncio.gather(*[thrice(c) for c in front]))
    check(ok, "%d relay clients over 2 instances get their own answers%s"
          % (R, " (%r)" % bad[0] if bad else ""))
    extra = await asyncio.gather(*[asyncio.wait_for(c.ws.recv(), 0.3)
                                   for c in front], return_exceptions=True)
    check(all(isinstance(e, asyncio.TimeoutError) for e in extra),
          "no relay client gets an answer twice")
    st = stats(sock)
    drops = [st["front#%d" % k]["stats"]["dropped"] for k in (1, 2)]
    check(drops == [0, 0], "answers went to the owning instance only "
          "(dropped %s)" % drops)
    ups = [conn(st["back#%d" % k], "open") for k in (1, 2)]
    print("relay spread: back#1 %d, back#2 %d, upstream saw %d"
          % (ups[0], ups[1], UPSTREAM_SEEN[0]))
    check(UPSTREAM_SEEN[0] == R and sum(ups) == R,
          "the upstream saw %d connections, one per client (%d; relay "
          "instances hold %s)" % (R, UPSTREAM_SEEN[0], ups))
    check(ups[0] >= 1 and ups[1] >= 1,
          "both relay instances opened upstream connections (%s)" % ups)
    s = st.get("back")
    check(s is not None and s.get("instances") == 2 and
          conn(s, "open") == R and [st["back#%d" % k]["stats"]["dropped"]
                                    for k in (1, 2)] == [0, 0],
          "show stats sums the relay instances (back: open %s)"
          % (conn(s, "open") if s else None))
    prom = ctl(sock, "metrics")
    check(all('connector="%s"' % n in prom for n in ("back#1", "back#2",
                                                     "back")),
          "metrics per relay instance and summed")
    for c in front:
        await c.ws.close()

    # 3. one instance killed
    pid1, pid2 = st["echo#1"]["pid"], st["echo#2"]["pid"]
    one = conn(st["echo#1"], "open")
    os.kill(pid1, signal.SIGKILL)
    # clients that come while echo#1 is down: those the kernel gives its
    # socket wait in the backlog the supervisor keeps open
    down = [Client(ECHO, 3000 + i) for i in range(DOWN)]
    opening = asyncio.gather(*[c.open() for c in down],
                             return_exceptions=True)
    live = await asyncio.gather(*[alive(c) for c in echo])
    check(live.count(False) == one and live.count(True) == N - one,
          "the killed instance's %d clients are dropped, the other's %d "
          "keep echoing (%d, %d)" % (one, N - one, live.count(False),
                                     live.count(True)))
    again = await asyncio.gather(*[alive(c) for c, ok in zip(echo, live)
                                   if ok])
    check(all(again), "the survivors echo again")
    await await_for(lambda: (lambda s: s["echo#1"]["state"] == "running"
                             and s["echo#1"]["pid"] not in (0, pid1))(
                                 stats(sock)), 20, "echo#1 to restart")
    got = await opening
    bad = [g for g in got if isinstance(g, Exception)]
    check(not bad, "%d clients that came during the restart are served%s"
          % (DOWN, " (%r)" % bad[0] if bad else ""))
    st = stats(sock)
    check(st["echo#2"]["pid"] == pid2 and st["echo#2"]["restarts"] == 0 and
          st["echo#1"]["restarts"] == 1,
          "only the killed instance restarted (echo#2 pid %d)" % pid2)
    late = [Client(ECHO, 2000 + i) for i in range(LATE)]
    got = await asyncio.gather(*[c.open() for c in late],
                               return_exceptions=True)
    bad = [g for g in got if isinstance(g, Exception)]
    st = stats(sock)
    check(not bad and conn(st["echo#1"], "open") >= 1,
          "the restarted instance serves new clients (%d of %d)"
          % (conn(st["echo#1"], "open"), LATE))
    check(all(await asyncio.gather(*[alive(c) for c, ok in zip(echo, live)
                                     if ok])),
          "the survivors still echo")
    for c in late + down + [c for c, ok in zip(echo, live) if ok]:
        await c.ws.close()


def auto(tmp):
    """instances = "auto": one per online CPU, in wsflowd -n -v."""
    path = os.path.join(tmp, "auto.troy")
    with open(os.path.join(SRC, "tests/scale/instances.troy")) as f:
        text = f.read().replace('"instances": 2', '"instances": "auto"')
    with open(path, "w") as f:
        f.write(text)
    out = subprocess.run([program("wsflowd"), "-n", "-v", path],
                         capture_output=True, text=True, timeout=30).stdout
    n = len(re.findall(r"^connector main/echo#\d+ ", out, re.M))
    cpus = os.sysconf("SC_NPROCESSORS_ONLN")
    check(n == (cpus if cpus > 1 else 0),
          "\"auto\" is %d instances on %d CPUs (%d)" % (cpus, cpus, n))


async def main():
    tmp = tempfile.mkdtemp(prefix="wsflow-instances.")
    sock = os.path.join(tmp, "ctl.sock")
    errpath = os.path.join(tmp, "daemon.err")
    auto(tmp)
    up = await websockets.serve(upstream, "127.0.0.1", UPSTREAM)
    with open(errpath, "w") as err:
        proc = subprocess.Popen(
            [program("wsflowd"), "-d", "-s", sock,
             os.path.join(SRC, "tests/scale/instances.troy")],
            stdin=subprocess.DEVNULL, stdout=err, stderr=err,
            start_new_session=True)
    try:
        await await_for(lambda: proc.poll() is not None or running(sock),
                        30, "the daemon to run")
        check(proc.poll() is None, "the daemon runs")
        await run(tmp, sock)
    except Exception as e:  # noqa: BLE001 -- reported as a failure
        check(False, "%s: %s" % (type(e).__name__, e))
    finally:
        stop_session(proc)
        up.close()
        with open(errpath) as f:
            log = f.read()
        if results["fail"]:
            print(log[-4000:])
    return summary()


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
