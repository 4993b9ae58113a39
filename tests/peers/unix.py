#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""Unix-domain sockets (issue 14) with the real daemon and real peers.

ws_server on url "unix:PATH" (tests/peers/unix/server.troy), with
python3-websockets as the client:
- echo, with $ws_server.peer {"host": "unix", "port": N, "pid", "uid"},
  N distinct for two clients at once, which max_connections_per_ip 1
  does not lump together as one address;
- the socket file is a socket with socket_mode and socket_group applied;
- a client that connects and never sends the upgrade is closed at the
  handshake timeout while a well-behaved client is served beside it;
- a reload that keeps the connector keeps the socket file and the
  connection; one that changes socket_mode replaces the worker on the
  same socket (same inode) with the new mode;
- the file is removed when the daemon stops;
- a stale socket file is replaced; one something listens on is refused
  (the running daemon keeps it); a regular file is refused with a clear
  error and left alone; wsflowd -n names a missing directory.
ws_client with unix_socket (tests/peers/unix/client.troy) against a
python3-websockets server on a Unix socket: started before the server
(every attempt asks wsflowd again), Host and path from url, events both
ways, a reconnection after the server closes; then wss:// over the
socket with TLS to the url's host name; and the relay (per_stream) with
a Unix socket at both ends, one upstream connection per client.
nginx from Debian in front of the Unix-socket ws_server, started here
with its own prefix on a free loopback port (as nobody:nogroup when
root, which socket_group lets in): a browser-style client (Origin,
User-Agent, the permessage-deflate offer) through it gets its echoes,
compression and its Origin passed on.
The last line is "N passed, N failed"; exit status 0 when all passed.
"""
import asyncio
import grp
import json
import os
import pwd
import shutil
import socket
import ssl
import stat
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))
from checks import BLD, SRC, check, stop_session, summary  # noqa: E402

try:
    import websockets
except ImportError:
    print("python3-websockets missing: skipped")
    sys.exit(77)

WSFLOWD = os.path.join(BLD, "supervisor", "wsflowd")
WSFLOWCTL = os.path.join(BLD, "ctl", "wsflowctl")
FLOWS = os.path.join(SRC, "tests", "peers", "unix")
NGINX_PORTS = range(14570, 14590)
HS = 1.0                # handshake_timeout_ms given to server.troy, s
ROOT = os.geteuid() == 0
GROUP = "nogroup" if ROOT else str(os.getegid())


class Daemon:
    """wsflowd -d on a flow with -D definitions and its own control
    socket."""

    def __init__(self, tmp, flow, defines, name="d", args=()):
        self.tmp = tmp
        self.flow = flow
        self.sock = os.path.join(tmp, name + ".ctl")
        self.err = os.path.join(tmp, name + ".err")
        self.args = list(args)
        for k, v in defines.items():
            self.args += ["-D", "%s=%s" % (k, v)]
        self.proc = None

    def start(self):
        """Start it (ready() says when it serves)."""
        env = dict(os.environ, TREMOR_PATH=os.path.join(SRC, "lib"))
        with open(self.err, "a") as err:
            self.proc = subprocess.Popen(
                [WSFLOWD, "-d", "-s", self.sock] + self.args + [self.flow],
                cwd=self.tmp, env=env, stdin=subprocess.DEVNULL,
                stdout=err, stderr=err, start_new_session=True)

    def exited(self, timeout=20):
        """Its exit status once it ended (None if it runs on)."""
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def log(self):
        """What it wrote."""
        try:
            with open(self.err) as f:
                return f.read()
        except OSError:
            return ""

    def ctl(self, *args):
        """wsflowctl on its socket: (exit status, output)."""
        r = subprocess.run([WSFLOWCTL, "-s", self.sock] + list(args),
                           capture_output=True, text=True, timeout=30)
        return r.returncode, r.stdout + r.stderr

    def stop(self):
        """SIGTERM and wait (SIGKILL if it lingers)."""
        stop_session(self.proc)


async def ask(path, msg, uri="ws://localhost/", **kw):
    """One JSON message to the server on path and its answer."""
    async with websockets.unix_connect(path, uri, **kw) as ws:
        await ws.send(json.dumps(msg))
        return json.loads(await asyncio.wait_for(ws.recv(), 5))


def serves(path, timeout=20):
    """Wait until the server on path answers: its answer, or None."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            return asyncio.run(ask(path, {"probe": 1}))
        except (OSError, asyncio.TimeoutError,
                websockets.exceptions.WebSocketException):
            time.sleep(0.05)
    return None


class Good(threading.Thread):
    """A well-behaved client on the Unix socket: a message every 20 ms,
    each answer awaited."""

    def __init__(self, path):
        super().__init__(daemon=True)
        self.path = path
        self.stop = threading.Event()
        self.answers = 0
        self.error = None
        self.peer = None

    async def loop(self):
        async with websockets.unix_connect(self.path, "ws://localhost/") \
                as ws:
            i = 0
            while not self.stop.is_set():
                await ws.send(json.dumps({"good": i}))
                a = json.loads(await asyncio.wait_for(ws.recv(), 5))
                if a["echo"] != {"good": i}:
                    raise ValueError("wrong answer %r" % a)
                self.peer = a["peer"]
                self.answers += 1
                i += 1
                await asyncio.sleep(0.02)

    def run(self):
        try:
            asyncio.run(self.loop())
        except Exception as e:      # reported by the case
            self.error = "%s: %s" % (type(e).__name__, e)


def silent_client(path):
    """Connect, send nothing: seconds until the server hangs up."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(HS + 5)
    s.connect(path)
    t0 = time.monotonic()
    try:
        got = s.recv(100)
    except socket.timeout:
        got = b"(still open)"
    except ConnectionResetError:
        got = b""
    s.close()
    return time.monotonic() - t0, got


def server_cases(tmp):
    """The ws_server on a Unix socket, then stale and foreign files."""
    path = os.path.join(tmp, "ws.sock")
    flow = os.path.join(FLOWS, "server.troy")
    d = Daemon(tmp, flow, {"url": "unix:" + path, "mode": '"0660"',
                           "grp": '"%s"' % GROUP, "hs": int(HS * 1000),
                           "perip": 1})
    d.start()
    try:
        check(serves(path) is not None, "ws_server answers on unix:%s" % path)
        st = os.lstat(path)
        gid = grp.getgrnam(GROUP).gr_gid if ROOT else os.getegid()
        check(stat.S_ISSOCK(st.st_mode) and
              stat.S_IMODE(st.st_mode) == 0o660 and st.st_gid == gid,
              "the file is a socket, mode %o (want 660), gid %d (want %d)"
              % (stat.S_IMODE(st.st_mode), st.st_gid, gid))

        async def two():
            """Both connections open before either asks."""
            async with websockets.unix_connect(path, "ws://l/") as x, \
                    websockets.unix_connect(path, "ws://l/") as y:
                await x.send(json.dumps({"a": 1}))
                await y.send(json.dumps({"b": 2}))
                return (json.loads(await asyncio.wait_for(x.recv(), 5)),
                        json.loads(await asyncio.wait_for(y.recv(), 5)))
        a, b = asyncio.run(two())
        check(a["echo"] == {"a": 1} and b["echo"] == {"b": 2},
              "echoes: %r, %r" % (a["echo"], b["echo"]))
        check(a["peer"]["host"] == "unix" and
              a["peer"]["pid"] == os.getpid() and
              a["peer"]["uid"] == os.geteuid() and
              a["peer"]["port"] != b["peer"]["port"],
              "$ws_server.peer of two clients at once, both served with "
              "max_connections_per_ip 1 (not one address): %r, %r"
              % (a["peer"], b["peer"]))

        good = Good(path)
        good.start()
        took, got = silent_client(path)
        n = good.answers
        time.sleep(0.2)
        check(got == b"" and HS - 0.05 <= took <= HS + 1.5,
              "a client that never sends the upgrade is dropped after "
              "%.2f s (handshake_timeout_ms %d), got %r"
              % (took, HS * 1000, got))
        good.stop.set()
        good.join(10)
        check(good.error is None and good.answers > n > 10,
              "the well-behaved client was served beside it (%d answers, "
              "%s)" % (good.answers, good.error or "no error"))

        # A second daemon on the same path is refused; the first keeps it.
        d2 = Daemon(tmp, flow, {"url": "unix:" + path,
                             "grp": '"%s"' % GROUP}, "second")
        d2.start()
        rc = d2.exited()
        check(rc not in (None, 0) and
              "something listens there already" in d2.log(),
              "a second daemon on the same path exits %s: %s"
              % (rc, d2.log().strip().splitlines()[-1:]))
        d2.stop()
        check(serves(path, 5) is not None, "the first still serves")
    finally:
        d.stop()
    check(not os.path.exists(path), "the file is removed when wsflowd stops")

    # A stale socket (bound, never removed) is replaced.
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(path)
    s.close()
    d = Daemon(tmp, flow, {"url": "unix:" + path,
                           "grp": '"%s"' % GROUP}, "stale", ["-v"])
    d.start()
    try:
        check(serves(path) is not None and
              "removing a stale socket" in d.log(),
              "a stale socket file is replaced (and that is logged)")
    finally:
        d.stop()

    # A regular file is refused, by -n and by the start, and kept.
    with open(path, "w") as f:
        f.write("precious\n")
    env = dict(os.environ, TREMOR_PATH=os.path.join(SRC, "lib"))
    r = subprocess.run([WSFLOWD, "-n", "-D", "url=unix:" + path, flow],
                       capture_output=True, text=True, env=env, timeout=30)
    check(r.returncode == 1 and "exists and is not a socket" in r.stderr,
          "wsflowd -n: %s" % r.stderr.strip())
    d = Daemon(tmp, flow, {"url": "unix:" + path,
                           "grp": '"%s"' % GROUP}, "file")
    d.start()
    rc = d.exited()
    d.stop()
    with open(path) as f:
        kept = f.read() == "precious\n"
    check(rc == 1 and "exists and is not a socket" in d.log() and kept, "a regular file at the path: exit %s, kept %s:"
          " %s" % (rc, kept, d.log().strip().splitlines()[-1:]))
    os.unlink(path)
    missing = os.path.join(tmp, "nowhere", "ws.sock")
    r = subprocess.run([WSFLOWD, "-n", "-D", "url=unix:" + missing, flow],
                       capture_output=True, text=True, env=env, timeout=30)
    check(r.returncode == 1 and "No such file or directory" in r.stderr,
          "wsflowd -n with a missing directory: %s" % r.stderr.strip())


def reload_cases(tmp):
    """Reloads: the same file keeps the socket and the connection; a
    new socket_mode replaces the worker on the same socket."""
    path = os.path.join(tmp, "rl.sock")
    flow = os.path.join(tmp, "reload.troy")
    with open(os.path.join(FLOWS, "server.troy")) as f:
        text = f.read().replace("/tmp/wsflow-unix.sock", path)
    with open(flow, "w") as f:
        f.write(text)
    d = Daemon(tmp, flow, {"grp": '"%s"' % GROUP}, "reload")
    d.start()
    try:
        check(serves(path) is not None, "the reload daemon serves")
        ino = os.lstat(path).st_ino
        good = Good(path)
        good.start()
        while good.answers < 5 and good.error is None:
            time.sleep(0.02)
        rc, out = d.ctl("reload")
        n = good.answers
        end = time.monotonic() + 10     # answers after the reload
        while (good.answers <= n + 2 and good.error is None and
               time.monotonic() < end):
            time.sleep(0.02)
        check(rc == 0 and good.error is None and good.answers > n and
              os.lstat(path).st_ino == ino,
              "a reload keeping the connector keeps the socket and the "
              "connection (%s; %d answers, %s)"
              % (out.strip(), good.answers, good.error or "no error"))
        good.stop.set()
        good.join(10)
        with open(flow, "w") as f:
            f.write(text.replace('mode = "0660"', 'mode = "0600"'))
        rc, out = d.ctl("reload")
        st = os.lstat(path)
        check(rc == 0 and st.st_ino == ino and
              stat.S_IMODE(st.st_mode) == 0o600 and
              serves(path, 10) is not None,
              "a reload changing socket_mode keeps the socket (same inode)"
              " with mode %o and serves (%s)"
              % (stat.S_IMODE(st.st_mode), out.strip()))
    finally:
        d.stop()
    check(not os.path.exists(path), "removed after the reloads too")


async def upstream(path, seen, sslctx=None, rounds=2):
    """A python3-websockets server on path: each connection is sent
    three messages whose echoes are awaited, then closed; seen gets
    (path, Host) per connection and "ok" per round done."""
    done = asyncio.Event()

    async def handler(ws, req_path):
        seen.append((req_path, ws.request_headers.get("Host")))
        for i in range(3):
            m = b"m%d-%d" % (len(seen), i)
            await ws.send(m)
            if await asyncio.wait_for(ws.recv(), 5) != m:
                return
        seen.append("ok")
        if seen.count("ok") >= rounds:
            done.set()
        await ws.close()

    async with websockets.unix_serve(handler, path, ssl=sslctx):
        await asyncio.wait_for(done.wait(), 30)


def client_cases(tmp):
    """ws_client dialling a Unix socket, plain then TLS."""
    path = os.path.join(tmp, "up.sock")
    flow = os.path.join(FLOWS, "client.troy")
    d = Daemon(tmp, flow, {"url": "ws://example.test/feed?x=1",
                           "sock": path}, "client")
    d.start()
    seen = []
    try:
        # The daemon dials before the server exists: it asks again.
        end = time.monotonic() + 10
        while "unix_socket %s" % path not in d.log() and \
                time.monotonic() < end:
            time.sleep(0.05)
        asyncio.run(upstream(path, seen))
        ok = True
    except Exception as e:      # reported below
        ok = "%s: %s" % (type(e).__name__, e)
    finally:
        d.stop()
    check(ok is True and seen.count("ok") == 2,
          "ws_client on unix_socket: two connections (the second after the"
          " server closed the first), echoes both ways (%s)" % ok)
    check(len(seen) >= 1 and seen[0] == ("/feed?x=1", "example.test"),
          "the path and Host come from url: %r" % (seen[:1],))
    check("No such file or directory" in d.log(),
          "the attempts before the server existed failed and were retried")

    # wss:// over the Unix socket, TLS to the url's host name.
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
         "-days", "1", "-keyout", "localhost.key", "-out", "localhost.cert",
         "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost"],
        cwd=tmp, check=True, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL, timeout=30)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(os.path.join(tmp, "localhost.cert"),
                        os.path.join(tmp, "localhost.key"))
    tpath = os.path.join(tmp, "tls.sock")
    seen = []

    def serve():
        try:
            asyncio.run(upstream(tpath, seen, ctx, rounds=1))
        except Exception as e:      # reported below
            seen.append(e)
    t = threading.Thread(target=serve, daemon=True)
    t.start()
    d = Daemon(tmp, flow, {
        "url": "wss://localhost/tls", "sock": tpath,
        "tls": '{"cafile": "%s"}' % os.path.join(tmp, "localhost.cert")},
        "tls")
    d.start()
    t.join(30)
    d.stop()
    check("ok" in seen and seen[0] == ("/tls", "localhost"),
          "wss:// over unix_socket, certificate verified for localhost: %r"
          % seen[:2])


class Upstream(threading.Thread):
    """A python3-websockets server on a Unix socket for the relay:
    answers each message with "upN:" and the message, N the number of
    its connection."""

    def __init__(self, path):
        super().__init__(daemon=True)
        self.path = path
        self.conns = 0
        self.ready = threading.Event()
        self.error = None
        self.loop = None
        self.done = None

    async def serve(self):
        self.done = asyncio.Event()

        async def handler(ws, req_path):
            self.conns += 1
            n = self.conns
            async for m in ws:
                await ws.send(b"up%d:" % n + m)
        async with websockets.unix_serve(handler, self.path):
            self.ready.set()
            await self.done.wait()

    def run(self):
        self.loop = asyncio.new_event_loop()
        try:
            self.loop.run_until_complete(self.serve())
        except Exception as e:      # reported by the case
            self.error = e
        self.ready.set()

    def stop(self):
        if self.loop is not None and self.done is not None:
            self.loop.call_soon_threadsafe(self.done.set)
        self.join(10)


async def relay_client(path, k):
    """Five messages through the relay; the answers."""
    async with websockets.unix_connect(path, "ws://localhost/") as ws:
        got = []
        for i in range(5):
            await ws.send(b"c%d-%d" % (k, i))
            got.append(await asyncio.wait_for(ws.recv(), 5))
        return got


def relay_cases(tmp):
    """A relay with Unix sockets at both ends: one upstream connection
    per client, each asked of wsflowd."""
    front = os.path.join(tmp, "relay-front.sock")
    up = os.path.join(tmp, "relay-up.sock")
    u = Upstream(up)
    u.start()
    u.ready.wait(10)
    d = Daemon(tmp, os.path.join(FLOWS, "relay.troy"),
               {"url": "unix:" + front, "sock": up}, "relay")
    d.start()
    try:
        end = time.monotonic() + 20
        while not os.path.exists(front) and time.monotonic() < end:
            time.sleep(0.05)

        async def both():
            return await asyncio.gather(relay_client(front, 1),
                                        relay_client(front, 2))
        a, b = asyncio.run(both())
        ua = {m.split(b":")[0] for m in a}
        ub = {m.split(b":")[0] for m in b}
        check([m.split(b":", 1)[1] for m in a] ==
              [b"c1-%d" % i for i in range(5)] and
              [m.split(b":", 1)[1] for m in b] ==
              [b"c2-%d" % i for i in range(5)] and
              len(ua) == 1 and len(ub) == 1 and ua != ub and u.conns == 2,
              "per_stream with unix_socket: each client its own upstream "
              "connection and its own answers (%r, %r)" % (a[:1], b[:1]))
    finally:
        d.stop()
        u.stop()


NGINX_CONF = """
worker_processes 1;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx.err info;
{user}
events {{ worker_connections 64; }}
http {{
  access_log off;
  client_body_temp_path {tmp}/nginx-body;
  proxy_temp_path {tmp}/nginx-proxy;
  fastcgi_temp_path {tmp}/nginx-fastcgi;
  uwsgi_temp_path {tmp}/nginx-uwsgi;
  scgi_temp_path {tmp}/nginx-scgi;
  map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}
  upstream wsflow {{ server unix:{sock}; }}
  server {{
    listen 127.0.0.1:{port};
    location / {{
      proxy_pass http://wsflow;
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_set_header Host $host;
    }}
  }}
}}
"""


def free_port():
    """A loopback port of NGINX_PORTS nobody listens on."""
    for p in NGINX_PORTS:
        s = socket.socket()
        try:
            s.bind(("127.0.0.1", p))
            return p
        except OSError:
            continue
        finally:
            s.close()
    raise RuntimeError("no free port in %r" % NGINX_PORTS)


async def browser(port):
    """What a browser does: Origin, User-Agent, the deflate offer."""
    origin = "http://127.0.0.1:%d" % port
    async with websockets.connect(
            "ws://127.0.0.1:%d/app" % port, origin=origin,
            extra_headers={"User-Agent": "Mozilla/5.0 (X11; Linux x86_64)"
                           " Chrome/120.0 Safari/537.36"},
            compression="deflate") as ws:
        answers = []
        for i in range(20):
            await ws.send(json.dumps({"click": i, "pad": "x" * 200}))
            answers.append(json.loads(await asyncio.wait_for(ws.recv(), 5)))
        return answers, [e.name for e in ws.extensions], origin


def nginx_cases(tmp):
    """nginx in front of the Unix-socket ws_server."""
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not os.access(nginx, os.X_OK):
        check(False, "nginx is not installed (contrib/setup-debian.sh)")
        return
    path = os.path.join(tmp, "front.sock")
    d = Daemon(tmp, os.path.join(FLOWS, "server.troy"),
               {"url": "unix:" + path, "grp": '"%s"' % GROUP}, "front")
    d.start()
    port = free_port()
    conf = os.path.join(tmp, "nginx.conf")
    with open(conf, "w") as f:
        f.write(NGINX_CONF.format(tmp=tmp, sock=path, port=port,
                                  user="user nobody nogroup;" if ROOT
                                  else ""))
    if ROOT:
        os.chmod(tmp, 0o755)    # nobody reaches the socket's directory
    ng = None
    try:
        check(serves(path) is not None, "the ws_server behind nginx serves")
        ng = subprocess.Popen([nginx, "-p", tmp, "-c", conf, "-e",
                               os.path.join(tmp, "nginx.err")],
                              stdin=subprocess.DEVNULL,
                              stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL,
                              start_new_session=True)
        end = time.monotonic() + 20
        while ng.poll() is None and time.monotonic() < end:
            try:
                socket.create_connection(("127.0.0.1", port), 1).close()
                break
            except OSError:
                time.sleep(0.05)
        answers, ext, origin = asyncio.run(browser(port))
        uid = pwd.getpwnam("nobody").pw_uid if ROOT else os.geteuid()
        check(all(a["echo"] == {"click": i, "pad": "x" * 200}
                  for i, a in enumerate(answers)) and len(answers) == 20,
              "a browser-style client through nginx gets its 20 echoes")
        check(ext == ["permessage-deflate"],
              "permessage-deflate agreed through nginx: %r" % ext)
        peer = answers[0]["peer"]
        got = answers[0]["request"]["headers"].get("origin")
        check(got == origin and peer["host"] == "unix" and
              peer["uid"] == uid and peer["pid"] != os.getpid(),
              "the server saw Origin %r from nginx's worker: %r"
              % (got, peer))
    except Exception as e:      # a crash is a failure, not a hang
        check(False, "nginx: %s: %s" % (type(e).__name__, e))
    finally:
        stop_session(ng)
        d.stop()
    try:
        with open(os.path.join(tmp, "nginx.err")) as f:
            errs = [l for l in f if "[error]" in l or "[crit]" in l]
    except OSError:
        errs = []
    check(not errs, "nginx logged no errors: %r" % errs[:3])


def main():
    tmp = tempfile.mkdtemp(prefix="wsflow-unix.")
    try:
        for case in (server_cases, reload_cases, client_cases, relay_cases,
                     nginx_cases):
            try:
                case(tmp)
            except Exception as e:      # a crash is a failure, not a hang
                check(False, "%s: %s: %s" % (case.__name__,
                                             type(e).__name__, e))
    finally:
        if summary_failed():
            for name in sorted(os.listdir(tmp)):
                if name.endswith(".err"):
                    with open(os.path.join(tmp, name)) as f:
                        print("--- %s\n%s" % (name, f.read()[-3000:]))
        shutil.rmtree(tmp, ignore_errors=True)
    return summary()


def summary_failed():
    """Whether a check failed so far."""
    from checks import results
    return results["fail"] > 0


if __name__ == "__main__":
    sys.exit(main())
