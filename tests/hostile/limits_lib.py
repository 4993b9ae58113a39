# SPDX-License-Identifier: ISC
"""What the time-limit, handshake, frame and TLS hostile cases share, on
top of hostile.py: a daemon on limits.troy or limits-tls.troy with given
arguments, raw sockets (from another loopback address too), HTTP
answers, close frames read to the end, and the case runner: each case
runs beside the well-behaved client, which must get an echo after it,
and its growth of the worker's VmHWM is bounded and printed."""
import os
import resource
import socket
import ssl
import struct
import time

from hostile import (ECHO_WAIT, SANITIZERS, SRC, Daemon, Good, check,
                     frame, read_frame, vmhwm)

# Ports of these scripts (hostile.py's are 14490 and 14491).
PORTS = {"timeouts": 14560, "handshake": 14561, "frames": 14562,
         "keepalive": 14563, "tls": 14564, "slots": 14565, "client": 14566}
CASE_HWM = 8 << 20      # VmHWM growth allowed per case, bytes


class LimitsDaemon(Daemon):
    """wsflowd on a flow of this directory, with -D arguments."""

    def __init__(self, tmp, flow, port, defines, tls=False):
        super().__init__(tmp, "tls" if tls else "plain")
        self.port = port
        self.args = ["-D", "url=127.0.0.1:%d" % port] + self.args[2:]
        for k, v in defines.items():
            self.args += ["-D", "%s=%s" % (k, v)]
        self.flow = os.path.join(SRC, "tests", "hostile", flow)


def raise_nofile(n):
    """At least n descriptors for this process (soft limit up to hard)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < n:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(n, hard), hard))


def tcp(port, src="127.0.0.1", timeout=5.0):
    """A plain TCP connection, from the address src."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.bind((src, 0))
    s.connect(("127.0.0.1", port))
    return s


def request(port, method="GET", version="HTTP/1.1", key=None,
            wsversion="13", extra="", host=True):
    """An upgrade request, with what a case changes."""
    if key is None:
        key = "dGhlIHNhbXBsZSBub25jZQ=="
    h = "%s / %s\r\n" % (method, version)
    if host:
        h += "Host: 127.0.0.1:%d\r\n" % port
    h += "Upgrade: websocket\r\nConnection: Upgrade\r\n"
    if key:
        h += "Sec-WebSocket-Key: %s\r\n" % key
    if wsversion:
        h += "Sec-WebSocket-Version: %s\r\n" % wsversion
    return (h + extra + "\r\n").encode()


def http_answer(s, timeout=5.0):
    """The status of the HTTP answer (0: the connection ended without
    one), read byte by byte so no frame is read ahead."""
    s.settimeout(timeout)
    resp = b""
    try:
        while b"\r\n\r\n" not in resp:
            got = s.recv(1)
            if not got:
                break
            resp += got
    except (ConnectionResetError, socket.timeout):
        pass
    if not resp.startswith(b"HTTP/1.1 "):
        return 0
    return int(resp[9:12])


def upgrade(port, src="127.0.0.1", extra="", timeout=5.0):
    """A TCP connection upgraded (or the refusal's status): (sock, st)."""
    s = tcp(port, src, timeout)
    s.sendall(request(port, extra=extra))
    return s, http_answer(s, timeout)


def ended(s, timeout, answer=False):
    """How long until the peer ends the connection: (seconds, close code
    or None, how).  Frames before the end are read and dropped; with
    answer, a close frame is answered (the server then drops TCP at
    once)."""
    t0 = time.monotonic()
    code = None
    s.settimeout(timeout)
    try:
        while True:
            op, data = read_frame(s)
            if op == 8 and code is None:
                code = struct.unpack("!H", data[:2])[0] if data else 0
                if answer:
                    s.sendall(close_frame(code))
    except ConnectionError as e:
        how = "EOF" if str(e) == "EOF" else type(e).__name__
    except socket.timeout:
        how = "still open"
    except ssl.SSLError as e:
        how = "TLS " + e.reason if e.reason else "TLS error"
    except OSError as e:
        how = str(e)
    return time.monotonic() - t0, code, how


def fds(pid):
    """Open descriptors of a process."""
    return len(os.listdir("/proc/%d/fd" % pid))


class Cases:
    """Runs cases against one daemon beside the well-behaved client."""

    def __init__(self, d, pid=None):
        self.d = d
        self.pid = pid if pid is not None else d.worker()
        self.good = Good(d.port, d.tls)
        self.good.start()
        self.start_hwm = vmhwm(self.pid)
        self.rows = []

    def run(self, name, fn, hwm_max=CASE_HWM):
        """One case: fn() returns (ok, what the peer got)."""
        before = vmhwm(self.pid)
        echoes = self.good.echoes
        t0 = time.monotonic()
        try:
            ok, what = fn()
        except Exception as e:      # a crash is a failure, not a hang
            ok, what = False, "%s: %s" % (type(e).__name__, e)
        took = time.monotonic() - t0
        check(ok, "%s: %s (%.2f s)" % (name, what, took))
        end = time.monotonic() + ECHO_WAIT
        while self.good.echoes <= echoes and self.good.error is None and \
                time.monotonic() < end:
            time.sleep(0.01)
        check(self.good.error is None and self.good.echoes > echoes,
              "%s: the well-behaved client was served (%d echoes, %s)"
              % (name, self.good.echoes - echoes,
                 self.good.error or "no error"))
        grew = vmhwm(self.pid) - before
        if SANITIZERS:
            print("skip: %s: VmHWM bound (sanitizer build)" % name)
        else:
            check(grew <= hwm_max, "%s: worker VmHWM grew by %d KiB (at "
                  "most %d)" % (name, grew >> 10, hwm_max >> 10))
        self.rows.append((name, what, grew >> 10))

    def finish(self):
        """Stop the client; print the table of cases."""
        self.good.stop.set()
        self.good.join(ECHO_WAIT + 1)
        total = vmhwm(self.pid) - self.start_hwm
        print("%-34s %8s  %s" % ("case", "VmHWM+", "what the peer got"))
        for name, what, grew in self.rows:
            print("%-34s %5d KiB  %s" % (name, grew, what))
        print("worker VmHWM over all cases: +%d KiB" % (total >> 10),
              flush=True)


def close_frame(code, reason=b""):
    """A masked close frame with a raw code (any value) and reason."""
    return frame(8, struct.pack("!H", code) + reason)


def main_with(name, flow, defines, body, tls=False):
    """Start the daemon, run body(daemon), stop; returns the exit status."""
    import tempfile

    tmp = tempfile.mkdtemp(prefix="hostile-%s." % name)
    return run_daemon(name, LimitsDaemon(tmp, flow, PORTS[name], defines,
                                         tls), tmp, body)


def run_daemon(name, d, tmp, body):
    """Start d (a Daemon in the folder tmp), run body(d), stop it, print
    its log's tail on a failure, remove tmp; returns the exit status."""
    from hostile import end_daemon, summary
    start = time.monotonic()
    try:
        d.start()
        body(d)
    except Exception as e:      # a crash is a failure, not a hang
        check(False, "%s: %s" % (type(e).__name__, e))
    finally:
        end_daemon(d, tmp)
    print("%s: %.1f s" % (name, time.monotonic() - start))
    return summary()
