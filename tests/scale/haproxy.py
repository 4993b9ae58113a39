#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""HAProxy, configured as contrib/haproxy/haproxy.cfg (only the global
section, the bind address and the server addresses replaced), in front of
two wsflowd daemons "a" and "b" on loopback, each a JSON echo that names
itself in every answer (haproxy-echo.troy) and each serving its metrics
endpoint (wsflowd -m) on a port of its own, where HAProxy's health check
asks GET /health.

0. HAProxy marks both daemons UP from an HTTP check (L7OK, 200) of their
   /health, and no check reaches the ws_server ports (no failed
   handshakes there).

1. N clients connect through HAProxy: both daemons serve some, and each
   daemon's `wsflowctl show stats` counts the clients it answered for.
2. Daemon a is killed (SIGKILL, supervisor and workers): new clients reach
   b at once (a refused connection is redispatched) and HAProxy's health
   check of a's /health marks a DOWN within a bound (the failover time); b's clients keep their connections
   and their echoes (b accepted no connection beyond the new ones).
3. a is started again: HAProxy marks it UP and leastconn gives it the new
   clients; then a is stopped gracefully: its clients get 1001 through
   HAProxy, b's clients are untouched.
Prints the spread and the failover times; the last line is
"N passed, N failed"."""
import asyncio
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

import websockets

# tests/checks.py: what the Python tests share
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))
from checks import (SRC, await_for, check, program, results,  # noqa: E402
                    summary)

FRONT = 14480
PORTS = {"a": 14481, "b": 14482}
METRICS = {"a": 14491, "b": 14492}     # wsflowd -m, HAProxy's checks
SERVER = {"a": "ws1", "b": "ws2"}
N = 40          # clients spread over both daemons
LATE = 10       # clients connected after a change
BOUND_FIRST = 5.0   # s from the kill to a new client served by b
BOUND_DOWN = 10.0   # s from the kill to a marked DOWN
BOUND_UP = 15.0     # s from a's restart to a marked UP


class Daemon:
    """One wsflowd in its own session (so that its workers are killed with
    it) with its own control socket."""

    def __init__(self, tmp, name):
        self.name = name
        self.port = PORTS[name]
        self.metrics = METRICS[name]
        self.sock = os.path.join(tmp, name + ".sock")
        self.errpath = os.path.join(tmp, name + ".err")
        self.proc = None

    async def start(self):
        """Start the daemon; returns once it echoes on its port."""
        with open(self.errpath, "a") as err:
            self.proc = subprocess.Popen(
                [program("wsflowd"), "-d", "-s", self.sock,
                 "-m", "127.0.0.1:%d" % self.metrics,
                 "-D", "url=127.0.0.1:%d" % self.port,
                 "-D", "name=" + self.name,
                 os.path.join(SRC, "tests/scale/haproxy-echo.troy")],
                stdin=subprocess.DEVNULL, stdout=err, stderr=err,
                start_new_session=True)
        end = time.monotonic() + 20
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError("daemon %s exited %d" % (
                    self.name, self.proc.returncode))
            try:
                if await direct_echo(self.port) == self.name:
                    return
            except (OSError, asyncio.TimeoutError,
                    websockets.exceptions.WebSocketException):
                pass
            if time.monotonic() > end:
                raise TimeoutError("waited 20 s for daemon %s on port %d"
                                   % (self.name, self.port))
            await asyncio.sleep(0.05)

    def stats(self):
        """The ws connector's counters from `wsflowctl -j show stats`."""
        out = subprocess.run([program("wsflowctl"), "-s", self.sock, "-j",
                              "show", "stats"], capture_output=True,
                             text=True, timeout=10, check=True).stdout
        for c in json.loads(out)["connectors"]:
            if c["name"] == "ws":
                return c["stats"]["connector"]
        raise RuntimeError("no connector ws in %s" % out)

    def pids(self):
        """Live processes of the daemon's session (supervisor, workers)."""
        live = []
        for p in os.listdir("/proc"):
            try:
                with open("/proc/%s/stat" % p) as f:
                    st = f.read().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            # fields after the name: state ppid pgrp session
            if st[3] == str(self.proc.pid) and st[0] != "Z":
                live.append(int(p))
        return live

    async def kill(self):
        """SIGKILL to every process of the daemon; returns once all died."""
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        await await_for(lambda: not self.pids(), 10,
                        "daemon %s's workers to die" % self.name)

    async def stop(self):
        """A graceful stop (SIGTERM): its exit status, None if it was not
        running."""
        if self.proc is None or self.proc.poll() is not None:
            return None
        self.proc.send_signal(signal.SIGTERM)
        try:
            await await_for(lambda: self.proc.poll() is not None, 15,
                            "daemon %s to stop" % self.name)
        except TimeoutError:
            os.killpg(self.proc.pid, signal.SIGKILL)
        return self.proc.wait()


async def direct_echo(port):
    """The name a daemon answers with, asked on its own port."""
    async with websockets.connect("ws://127.0.0.1:%d/" % port,
                                  open_timeout=2, ping_interval=None) as ws:
        await ws.send('{"probe": true}')
        return json.loads(await asyncio.wait_for(ws.recv(), 2))["by"]


class Client:
    """One client through HAProxy; by is the daemon that answered it."""
    count = 0

    def __init__(self):
        Client.count += 1
        self.id = Client.count
        self.n = 0
        self.ws = None
        self.by = None

    async def open(self):
        self.ws = await websockets.connect("ws://127.0.0.1:%d/" % FRONT,
                                           open_timeout=5,
                                           ping_interval=None)
        self.by = await self.echo()
        return self

    async def echo(self):
        """One round trip: the answering daemon's name, after checking
        that the answer is this client's own message."""
        self.n += 1
        msg = {"c": self.id, "n": self.n}
        await self.ws.send(json.dumps(msg))
        got = json.loads(await asyncio.wait_for(self.ws.recv(), 5))
        if got.get("echo") != msg:
            raise RuntimeError("client %d: %r is not the echo of %r"
                               % (self.id, got, msg))
        return got["by"]


async def open_clients(n):
    """n clients through HAProxy, opened at once (exceptions kept)."""
    return await asyncio.gather(*[Client().open() for _ in range(n)],
                                return_exceptions=True)


def by_daemon(clients):
    """The number of clients each daemon answered."""
    return {d: sum(1 for c in clients if c.by == d) for d in PORTS}


def health(port):
    """(status, body) of GET /health on a metrics port."""
    try:
        with urllib.request.urlopen("http://127.0.0.1:%d/health" % port,
                                    timeout=5) as r:
            return r.status, r.read().decode().strip()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode().strip()


def hap_stat(sock):
    """HAProxy's "show stat" rows of the wsflow servers, by name."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect(sock)
    s.sendall(b"show stat\n")
    with s, s.makefile("rb") as f:
        lines = f.read().decode().splitlines()
    head = lines[0].lstrip("# ").split(",")
    st = {}
    for line in lines[1:]:
        row = dict(zip(head, line.split(",")))
        if row.get("pxname") == "wsflow" and row["svname"] != "BACKEND":
            st[row["svname"]] = row
    return st


def hap_status(sock):
    """Each wsflow server's status in HAProxy ("UP", "DOWN 1/2", ...)."""
    return {n: r["status"] for n, r in hap_stat(sock).items()}


def haproxy_config(tmp):
    """contrib/haproxy/haproxy.cfg for loopback: its global section
    replaced (no chroot, user or daemon mode; a private stats socket),
    the frontend bound to FRONT, ws1 and ws2 on a's and b's ports."""
    with open(os.path.join(SRC, "contrib/haproxy/haproxy.cfg")) as f:
        lines = f.read().split("\n")
    out = ["global", "\tstats socket %s/haproxy.sock mode 600 level admin"
           % tmp, "\tlog stderr format short local0 info",
           "\tmaxconn 200", ""]
    subst = {"bind :8080": "bind 127.0.0.1:%d" % FRONT,
             "server ws1 192.0.2.11:8080 check port 9100":
             "server ws1 127.0.0.1:%d check port %d"
             % (PORTS["a"], METRICS["a"]),
             "server ws2 192.0.2.12:8080 check port 9100":
             "server ws2 127.0.0.1:%d check port %d"
             % (PORTS["b"], METRICS["b"])}
    done = set()
    section = None
    for line in lines:
        if line and not line[0].isspace() and not line.startswith("#"):
            section = line.split()[0]
        if section == "global":
            continue
        key = line.strip()
        if key in subst:
            line = "\t" + subst[key]
            done.add(key)
        out.append(line)
    if done != set(subst):
        sys.exit("contrib/haproxy/haproxy.cfg lacks %s"
                 % sorted(set(subst) - done))
    path = os.path.join(tmp, "haproxy.cfg")
    with open(path, "w") as f:
        f.write("\n".join(out))
    return path


async def survivors_echo(clients, name):
    """Whether every client still has its connection and its echo."""
    res = await asyncio.gather(*[c.echo() for c in clients],
                               return_exceptions=True)
    bad = [r for r in res if r != name]
    return check(not bad, "%d clients of %s kept their connection and got "
                 "an echo from %s%s" % (len(clients), name, name,
                                        (": %r" % bad[:3]) if bad else ""))


async def closed_codes(clients, secs):
    """The close codes the clients saw (they are closed within secs)."""
    await asyncio.wait_for(asyncio.gather(
        *[c.ws.wait_closed() for c in clients]), secs)
    return sorted({c.ws.close_code for c in clients})


async def run(d, hap_sock):
    """The scenario; d maps "a" and "b" to their Daemon."""
    t_start = time.monotonic()
    status = lambda: hap_status(hap_sock)
    await await_for(lambda: status() == {"ws1": "UP", "ws2": "UP"}, 15,
                    lambda: "ws1 and ws2 UP in HAProxy (%r)" % (status(),))

    # 0. the checks are HTTP checks of /health on the metrics ports
    rows = hap_stat(hap_sock)
    how = {n: (r["check_status"], r["check_code"]) for n, r in rows.items()}
    hs = {n: health(d[n].metrics) for n in d}
    print("health: /health answers %r; HAProxy's last checks %r"
          % (hs, how))
    check(all(h == (200, "ok") for h in hs.values()),
          "each daemon's /health answers 200 ok")
    check(all(h == ("L7OK", "200") for h in how.values()),
          "HAProxy's checks of ws1 and ws2 are HTTP checks answered 200")
    st = {n: d[n].stats() for n in d}
    check(all(st[n]["handshake_failed"] == 0 for n in d),
          "no check reached a ws_server port (handshake_failed a %d, b %d)"
          % (st["a"]["handshake_failed"], st["b"]["handshake_failed"]))

    # 1. spread
    first = await open_clients(N)
    errs = [c for c in first if isinstance(c, Exception)]
    first = [c for c in first if not isinstance(c, Exception)]
    spread = by_daemon(first)
    st = {n: d[n].stats() for n in d}
    print("spread: %d clients through HAProxy: a served %d, b served %d; "
          "wsflowctl show stats open: a %d, b %d"
          % (N, spread["a"], spread["b"], st["a"]["open"], st["b"]["open"]))
    check(not errs and len(first) == N,
          "%d of %d clients connected%s" % (len(first), N,
                                             (": %r" % errs[:3]) if errs
                                             else ""))
    check(spread["a"] > 0 and spread["b"] > 0, "both daemons serve clients")
    check(all(st[n]["open"] == spread[n] for n in d),
          "each daemon's open connections match the clients it answered")
    on_a = [c for c in first if c.by == "a"]
    on_b = [c for c in first if c.by == "b"]
    b_before = st["b"]["connections"]

    # 2. a is killed
    t0 = time.monotonic()
    await d["a"].kill()
    t_dead = time.monotonic() - t0
    down = {}

    async def watch_down():
        await await_for(lambda: status()["ws1"].startswith("DOWN"),
                        BOUND_DOWN, "ws1 DOWN")
        down["t"] = time.monotonic() - t0

    watcher = asyncio.create_task(watch_down())
    failed = []
    late = []
    t_first = None
    while t_first is None and time.monotonic() - t0 < BOUND_FIRST:
        try:
            c = await Client().open()
        except (OSError, asyncio.TimeoutError,
                websockets.exceptions.WebSocketException) as e:
            failed.append(e)
            continue
        late.append(c)
        if c.by == "b":
            t_first = time.monotonic() - t0
    try:
        await watcher
    except TimeoutError:
        pass
    print("failover: daemon a killed (all its processes gone after %.3f s);"
          " first new client served by b after %s; ws1 marked DOWN by the "
          "health check of /health after %s (last check: %s)"
          % (t_dead, "%.3f s" % t_first if t_first is not None else "never",
             "%.3f s" % down["t"] if "t" in down else "never",
             hap_stat(hap_sock)["ws1"]["check_status"]))
    check(t_first is not None and not failed and
          all(c.by == "b" for c in late),
          "new clients reach b within %.0f s of the kill, none refused "
          "(%d failed attempts)" % (BOUND_FIRST, len(failed)))
    check("t" in down, "the health check marks a DOWN within %.0f s"
          % BOUND_DOWN)
    more = await open_clients(LATE)
    check(by_daemon([c for c in more if isinstance(c, Client)])["b"]
          == LATE, "after DOWN: %d of %d new clients served, all by b"
          % (sum(isinstance(c, Client) for c in more), LATE))
    late += [c for c in more if isinstance(c, Client)]
    codes = await closed_codes(on_a, 10)
    check(codes and all(x != 1000 for x in codes),
          "a's %d clients lost their connection (close codes %s)"
          % (len(on_a), codes))
    await survivors_echo(on_b, "b")
    b_after = d["b"].stats()["connections"]
    check(b_after - b_before == len(late),
          "b accepted only the %d new clients (%d connections), so none "
          "of its clients reconnected" % (len(late), b_after - b_before))

    # 3. a comes back, then stops gracefully
    t1 = time.monotonic()
    await d["a"].start()
    await await_for(lambda: status()["ws1"] == "UP", BOUND_UP, "ws1 UP")
    print("recovery: a restarted, marked UP after %.3f s"
          % (time.monotonic() - t1))
    back = [c for c in await open_clients(LATE) if isinstance(c, Client)]
    check(len(back) == LATE and by_daemon(back)["a"] == LATE,
          "leastconn gives a the %d new clients (a %d, b %d)"
          % (LATE, by_daemon(back)["a"], by_daemon(back)["b"]))
    on_a = [c for c in back if c.by == "a"]
    rc = await d["a"].stop()
    codes = await closed_codes(on_a, 10)
    check(rc == 0 and codes == [1001],
          "a stopped gracefully (status %s): its %d clients got close "
          "codes %s through HAProxy" % (rc, len(on_a), codes))
    on_b += late + [c for c in back if c.by == "b"]
    await survivors_echo(on_b, "b")
    await asyncio.gather(*[c.ws.close() for c in on_b])
    print("duration: %.1f s" % (time.monotonic() - t_start))


async def start_haproxy(tmp):
    """HAProxy in the foreground in its own session: (process, stats
    socket), or (None, None) after a failed check."""
    cfg = haproxy_config(tmp)
    chk = subprocess.run(["haproxy", "-c", "-q", "-f", cfg],
                         capture_output=True, text=True)
    if not check(chk.returncode == 0, "haproxy -c accepts the "
                 "configuration" + chk.stdout + chk.stderr):
        return None, None
    sock = os.path.join(tmp, "haproxy.sock")
    with open(os.path.join(tmp, "haproxy.err"), "w") as err:
        hap = subprocess.Popen(["haproxy", "-db", "-f", cfg],
                               stdin=subprocess.DEVNULL, stdout=err,
                               stderr=err, start_new_session=True)
    await await_for(lambda: os.path.exists(sock) or hap.poll() is not None,
                    15, "HAProxy's stats socket")
    if not check(hap.poll() is None, "haproxy runs"):
        return None, None
    return hap, sock


async def amain(tmp):
    """Daemons and HAProxy up, the scenario, everything stopped."""
    d = {n: Daemon(tmp, n) for n in PORTS}
    hap = None
    try:
        for n in d:
            await d[n].start()
        hap, sock = await start_haproxy(tmp)
        if hap is not None:
            await run(d, sock)
    except (TimeoutError, RuntimeError) as e:
        check(False, str(e))
    finally:
        if hap is not None and hap.poll() is None:
            hap.terminate()
            hap.wait()
        for n in d:
            await d[n].stop()


def main():
    tmp = tempfile.mkdtemp(prefix="wsflow-haproxy.")
    try:
        asyncio.run(amain(tmp))
        if results["fail"]:
            for name in sorted(os.listdir(tmp)):
                if name.endswith(".err"):
                    with open(os.path.join(tmp, name)) as f:
                        print("--- %s\n%s" % (name, f.read()))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return summary()


if __name__ == "__main__":
    sys.exit(main())
