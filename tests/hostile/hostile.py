# SPDX-License-Identifier: ISC
"""What the hostile cases share: assertions counted, a raw WebSocket
client (masked frames, the upgrade read byte by byte so nothing is read
ahead), the daemon under attack (echo.troy or echo-tls.troy with a
certificate made here, its own control socket, its worker and stats), a
worker's VmHWM and the well-behaved client that runs beside an attack."""
import base64
import json
import os
import shutil
import socket
import ssl
import struct
import subprocess
import sys
import tempfile
import threading
import time

# tests/checks.py: what the Python tests share
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))
from checks import BLD, SRC, check, results, stop_session, summary  # noqa: E402,F401,E501

PORTS = {"plain": 14490, "tls": 14491}
ECHO_WAIT = 5.0         # s an echo may take during an attack


def built_with_sanitizers():
    """ASan's quarantine and shadow memory inflate RSS: memory bounds are
    not asserted in such a build (as -e rss skips them in tests/integration)."""
    try:
        with open(os.path.join(BLD, "config.h")) as f:
            return any(l.startswith("#define WSFLOW_SANITIZERS") for l in f)
    except OSError:
        return False


SANITIZERS = built_with_sanitizers()


def frame(op, payload, fin=True):
    """One masked client frame; op may carry RSV bits (0x40 is RSV1)."""
    mask = os.urandom(4)
    n = len(payload)
    b0 = (0x80 if fin else 0) | op
    if n < 126:
        hdr = struct.pack("!BB", b0, 0x80 | n)
    elif n < 65536:
        hdr = struct.pack("!BBH", b0, 0x80 | 126, n)
    else:
        hdr = struct.pack("!BBQ", b0, 0x80 | 127, n)
    keys = (mask * (n // 4 + 1))[:n]
    body = (int.from_bytes(payload, "big") ^
            int.from_bytes(keys, "big")).to_bytes(n, "big")
    return hdr + mask + body


def ws_connect(port, tls, rcvbuf=None, timeout=10.0, headers="",
               status=None):
    """TCP (and TLS), then the upgrade with extra header lines (each
    ending in CRLF); returns the socket.  When status is a list, the
    response header is appended to it and not checked."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf is not None:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.settimeout(timeout)
    s.connect(("127.0.0.1", port))
    if tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        s = ctx.wrap_socket(s, server_hostname="localhost")
    key = base64.b64encode(os.urandom(16)).decode()
    s.sendall(("GET / HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
               "Upgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n"
               "%s\r\n" % (port, key, headers)).encode())
    resp = b""
    while b"\r\n\r\n" not in resp:
        got = s.recv(1)         # byte by byte: no frame read ahead
        if not got:
            raise ConnectionError("no upgrade response")
        resp += got
    if status is not None:
        status.append(resp.decode("latin-1"))
        return s
    if not resp.startswith(b"HTTP/1.1 101"):
        raise ConnectionError("upgrade refused: %r" % resp[:40])
    return s


def recv_exact(s, n):
    """n bytes or an exception."""
    out = b""
    while len(out) < n:
        got = s.recv(n - len(out))
        if not got:
            raise ConnectionError("EOF")
        out += got
    return out


def recv_frame(s):
    """The next frame's first byte (FIN, RSV, opcode) and payload,
    unmasked if it was masked."""
    b0, b1 = recv_exact(s, 2)
    n = b1 & 0x7f
    if n == 126:
        n = struct.unpack("!H", recv_exact(s, 2))[0]
    elif n == 127:
        n = struct.unpack("!Q", recv_exact(s, 8))[0]
    mask = recv_exact(s, 4) if b1 & 0x80 else None
    data = recv_exact(s, n)
    if mask is not None:
        data = bytes(b ^ mask[i % 4] for i, b in enumerate(data))
    return b0, data


def read_frame(s):
    """The next frame's (opcode, payload)."""
    b0, data = recv_frame(s)
    return b0 & 0x0f, data


def recv_message(s):
    """The next data frame's (opcode, payload); control frames skipped."""
    while True:
        op, data = read_frame(s)
        if op in (1, 2):
            return op, data


def echo(s, data, op=2):
    """Send one message (binary unless op says), return the reply's
    payload."""
    s.sendall(frame(op, data))
    return recv_message(s)[1]


class Daemon:
    """wsflowd in its own session with its own control socket.  A case may
    bring its own flow (a path), -D definitions, port and probe message
    (a line for a flow with the lines preprocessor)."""

    def __init__(self, tmp, mode, own_flow=None, defines=(), port=None,
                 probe=b"probe", args=()):
        self.tmp = tmp
        self.port = port or PORTS[mode]
        self.sock = os.path.join(tmp, "ctl.sock")
        self.err = os.path.join(tmp, "wsflowd.err")
        self.args = ["-D", "url=127.0.0.1:%d" % self.port]
        for d in defines:
            self.args += ["-D", d]
        self.probe = probe
        self.args += list(args)
        flow = "echo.troy"
        if mode == "tls":
            subprocess.run(
                ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                 "-days", "1", "-keyout", "localhost.key",
                 "-out", "localhost.cert", "-subj", "/CN=localhost"],
                cwd=tmp, check=True, stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL, timeout=30)
            self.args += ["-D", "cert=" + os.path.join(tmp, "localhost.cert"),
                          "-D", "key=" + os.path.join(tmp, "localhost.key")]
            flow = "echo-tls.troy"
        self.flow = own_flow or os.path.join(SRC, "tests", "hostile", flow)
        self.tls = mode == "tls"
        self.proc = None

    def launch(self):
        """Start wsflowd in its own session (not waiting for it)."""
        env = dict(os.environ, TREMOR_PATH=os.path.join(SRC, "lib"))
        with open(self.err, "a") as err:
            self.proc = subprocess.Popen(
                [os.path.join(BLD, "supervisor", "wsflowd"), "-d", "-s",
                 self.sock] + self.args + [self.flow],
                cwd=self.tmp, env=env, stdin=subprocess.DEVNULL,
                stdout=err, stderr=err, start_new_session=True)

    def start(self):
        """Start it; returns once a client gets an echo."""
        self.launch()
        end = time.monotonic() + 20
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError("wsflowd exited %d" % self.proc.returncode)
            try:
                s = ws_connect(self.port, self.tls, timeout=2)
                s.sendall(frame(2, self.probe))
                ok = recv_message(s) == (2, self.probe)
                s.close()
                if ok:
                    return
            except (OSError, ConnectionError):
                pass
            if time.monotonic() > end:
                raise TimeoutError("waited 20 s for wsflowd")
            time.sleep(0.05)

    def worker(self, title=b"wsflowd: ws_server"):
        """The pid of the worker whose title starts with title (by
        default the ws_server connector's)."""
        kids = open("/proc/%d/task/%d/children" % (
            self.proc.pid, self.proc.pid)).read().split()
        for k in kids:
            try:
                cmd = open("/proc/%s/cmdline" % k, "rb").read()
            except OSError:
                continue
            if cmd.startswith(title):
                return int(k)
        raise RuntimeError("no worker %r among %s" % (title, kids))

    def stats(self, name="ws"):
        """A connector's counters (wsflowctl -j show stats)."""
        out = subprocess.run(
            [os.path.join(BLD, "ctl", "wsflowctl"), "-s", self.sock, "-j",
             "show", "stats"], capture_output=True, text=True, timeout=10,
            check=True).stdout
        for c in json.loads(out)["connectors"]:
            if c["name"] == name:
                return c["stats"]["connector"]
        raise RuntimeError("no connector %s in %s" % (name, out))

    def stop(self):
        """SIGTERM, then SIGKILL to the session if it lingers."""
        stop_session(self.proc)


def vmhwm(pid):
    """The peak resident set of a process, bytes."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmHWM for %d" % pid)


class Good(threading.Thread):
    """The well-behaved client: a message every 20 ms, each echo awaited."""

    def __init__(self, port, tls, tail=b""):
        super().__init__(daemon=True)
        self.tail = tail        # "\n" for a flow that splits lines
        self.sock = ws_connect(port, tls, timeout=ECHO_WAIT)
        self.stop = threading.Event()
        self.echoes = 0
        self.error = None
        self.slowest = 0.0

    def run(self):
        i = 0
        try:
            while not self.stop.is_set():
                msg = b"good %d" % i + self.tail
                t0 = time.monotonic()
                self.sock.sendall(frame(2, msg))
                if recv_message(self.sock) != (2, msg):
                    raise ConnectionError("wrong echo for %r" % msg)
                self.slowest = max(self.slowest, time.monotonic() - t0)
                self.echoes += 1
                i += 1
                self.stop.wait(0.02)
        except (OSError, ConnectionError) as e:
            self.error = "echo %d: %s" % (i, e)




def end_daemon(d, tmp):
    """Stop the daemon d, print its log's tail when a check failed, and
    remove its folder tmp."""
    d.stop()
    if results["fail"]:
        try:
            print(open(d.err).read()[-4000:])
        except OSError:
            pass
    shutil.rmtree(tmp, ignore_errors=True)


def run_case(prefix, daemon, attack, deadline):
    """The frame of a hostile case: a temporary directory, the daemon
    (daemon(tmp) makes it), the well-behaved client beside
    attack(d, pid, good), then its echoes checked, the daemon stopped
    (its log printed when something failed) and the time checked.
    Returns the exit status."""
    start = time.monotonic()
    tmp = tempfile.mkdtemp(prefix=prefix)
    d = daemon(tmp)
    good = None
    try:
        d.start()
        pid = d.worker()
        good = Good(d.port, d.tls)
        good.start()
        attack(d, pid, good)
        good.stop.set()
        good.join(ECHO_WAIT + 1)
        check(good.error is None and good.echoes >= 10,
              "the well-behaved client got %d echoes during the attack, "
              "slowest %.2f s (%s)" % (good.echoes, good.slowest,
                                       good.error or "no error"))
        msg = b"after the attack"
        good.sock.settimeout(ECHO_WAIT)
        good.sock.sendall(frame(2, msg))
        check(recv_message(good.sock) == (2, msg),
              "the well-behaved client is still served")
    except Exception as e:      # a crash is a failure, not a hang
        check(False, "%s: %s" % (type(e).__name__, e))
    finally:
        if good is not None:
            good.stop.set()
        end_daemon(d, tmp)
    took = time.monotonic() - start
    check(took < deadline, "took %.1f s" % took)
    return summary()
