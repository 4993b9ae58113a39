# SPDX-License-Identifier: ISC
"""The keyholder (workers/keyholder.c) against real peers: a wss:// echo
(tests/hostile/echo-tls.troy) with an RSA, ECDSA P-256, ECDSA P-384 and
an Ed25519 key, each over TLS 1.3 and TLS 1.2 with openssl s_client
(the signature type it reports) and python3-websockets.  As root, the
memory of every wsflowd process is scanned after the handshakes
(/proc/PID/maps and /proc/PID/mem): parts of the private key are found
in the keyholder and in no other process.  The keyholder stopped makes
handshakes fail and the worker live on; killed, it is restarted and
handshakes work again.  A key that does not match its certificate stops
the start-up with the reason.  SIGUSR1 re-reads certificate and key: new
connections get the new certificate, an open one keeps working.
wsflowctl reload adds a wss:// connector with its own key, replaces it
and removes it (the keyholder gains and forgets its key; a restarted
keyholder learns it again) while a client of the kept connector keeps
its connection, and starts the keyholder when none ran; a reload whose
new key does not match its certificate exits 1 with the reason and
changes nothing; the memory scan finds the added key in the keyholder
only.  Mutual TLS (mtls.troy): a required client certificate missing or
from another CA is refused, the right one gets its echo with the
certificate's subject and SANs in $ws_server.tls_client; an optional one
may be left out; a ws_client presents its certificate (its key in the
keyholder).
Last line: "N passed, N failed"."""
import asyncio
import os
import re
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))
from checks import (BLD, SRC, check, stop_session,  # noqa: E402
                    summary, wait_for)
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "hostile"))
from hostile import echo, ws_connect  # noqa: E402

import websockets  # noqa: E402

PORT = 14495
PORT2, PORT3 = 14488, 14489     # connectors a reload adds
FLOW = os.path.join(SRC, "tests", "hostile", "echo-tls.troy")
KEYS = {
    "rsa": (["-newkey", "rsa:2048"], "RSA-PSS"),
    "p256": (["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
             "ECDSA"),
    "p384": (["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-384"],
             "ECDSA"),
    "ed25519": (["-newkey", "ed25519"], "ed25519"),
}


def make_cert(tmp, name, cn="localhost"):
    """A self-signed certificate and its key: name.cert, name.key."""
    subprocess.run(["openssl", "req", "-x509", "-nodes", "-days", "2",
                    "-keyout", name + ".key", "-out", name + ".cert",
                    "-subj", "/CN=" + cn,
                    "-addext", "subjectAltName=DNS:localhost"] +
                   KEYS[name.split("-")[0]][0], cwd=tmp, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   timeout=60)
    os.chmod(os.path.join(tmp, name + ".key"), 0o644)


def children(pid):
    """Titles of pid's children, by pid."""
    out = {}
    try:
        kids = open("/proc/%d/task/%d/children" % (pid, pid)).read().split()
    except OSError:
        return out
    for k in kids:
        try:
            out[int(k)] = open("/proc/%s/cmdline" % k, "rb").read() \
                .split(b"\0")[0].decode().strip()
        except OSError:
            pass
    return out


class Daemon:
    """wsflowd serving echo-tls.troy with cert and key."""

    def __init__(self, tmp, cert, key):
        self.tmp = tmp
        self.err = os.path.join(tmp, "wsflowd.err")
        self.cert = cert
        self.args = ["-D", "url=127.0.0.1:%d" % PORT, "-D", "cert=" + cert,
                     "-D", "key=" + key]
        self.proc = None

    def start(self, wait=True):
        """Start it; with wait, return once a TLS handshake works."""
        env = dict(os.environ, TREMOR_PATH=os.path.join(SRC, "lib"))
        # a copy, so that a test may edit it and reload
        self.flow = os.path.join(self.tmp, "flow.troy")
        shutil.copyfile(FLOW, self.flow)
        with open(self.err, "w") as err:
            self.proc = subprocess.Popen(
                [os.path.join(BLD, "supervisor", "wsflowd"), "-d", "-s",
                 os.path.join(self.tmp, "ctl.sock")] + self.args +
                [self.flow],
                # (mtls_case points FLOW at mtls.troy)
                cwd=self.tmp, env=env, stdin=subprocess.DEVNULL,
                stdout=err, stderr=err, start_new_session=True)
        if not wait:
            return
        end = time.monotonic() + 20
        while not s_client([], self.cert)[0]:
            if self.proc.poll() is not None or time.monotonic() > end:
                raise RuntimeError("wsflowd did not serve: %s" %
                                   open(self.err).read()[-500:])
            time.sleep(0.1)

    def pid_of(self, title):
        """The pid of the worker with this title, or None."""
        for pid, t in children(self.proc.pid).items():
            if t == title:
                return pid
        return None

    def log(self):
        with open(self.err) as f:
            return f.read()

    def stop(self):
        """SIGTERM, then SIGKILL to the session if it lingers."""
        stop_session(self.proc)


def s_client(opts, cafile=None):
    """openssl s_client: (verified, its output)."""
    cmd = ["openssl", "s_client", "-connect", "127.0.0.1:%d" % PORT,
           "-servername", "localhost"] + opts
    if cafile:
        cmd += ["-CAfile", cafile, "-verify_return_error"]
    try:
        r = subprocess.run(cmd, input=b"", capture_output=True, timeout=10)
    except subprocess.TimeoutExpired:
        return False, ""
    out = r.stdout.decode(errors="replace")
    return r.returncode == 0 and "Verify return code: 0 (ok)" in out, out


def ws_echo(cafile, msg=b"keyholder", port=PORT):
    """An echo over wss:// with python3-websockets; True if it came back."""
    ctx = ssl.create_default_context(cafile=cafile)

    async def run():
        async with websockets.connect("wss://localhost:%d/" % port, ssl=ctx,
                                      open_timeout=10) as ws:
            await ws.send(msg)
            return await asyncio.wait_for(ws.recv(), 10)
    try:
        return asyncio.run(run()) == msg
    except Exception as e:   # noqa: BLE001: any failure is a failed echo
        print("  websockets: %s" % e)
        return False


def key_parts(keyfile):
    """Byte strings of the private key's secret parts (RSA primes,
    exponents and coefficient; the EC or Ed25519 private scalar)."""
    text = subprocess.run(["openssl", "pkey", "-in", keyfile, "-text",
                           "-noout"], capture_output=True, text=True,
                          check=True).stdout
    parts, name, hexs = [], None, ""
    want = ("privateExponent", "prime1", "prime2", "exponent1", "exponent2",
            "coefficient", "priv")
    for line in text.splitlines() + ["end:"]:
        m = re.match(r"^([A-Za-z0-9]+):", line)
        if m:
            if name in want and hexs:
                parts.append(bytes.fromhex(hexs).lstrip(b"\0"))
            name, hexs = m.group(1), ""
        elif name is not None:
            hexs += line.strip().replace(":", "")
    return parts


def needles(parts):
    """16-byte pieces of each part, as written (big-endian) and as
    OpenSSL's bignums hold them (little-endian words)."""
    out = set()
    for p in parts:
        for b in (p, p[::-1]):
            for i in range(0, len(b) - 15, 16):
                out.add(b[i:i + 16])
    return out


SCAN_CHUNK = 16 << 20
SCAN_REGION_MAX = 1 << 30


def scan(pid, pieces):
    """How many of the pieces are in the writable or anonymous memory of
    pid (where a process keeps what it read or computed)."""
    found = set()
    with open("/proc/%d/maps" % pid) as maps, \
            open("/proc/%d/mem" % pid, "rb", 0) as mem:
        for line in maps:
            f = line.split()
            perms, path = f[1], f[5] if len(f) > 5 else ""
            if perms[0] != "r" or path in ("[vvar]", "[vsyscall]"):
                continue
            if "w" not in perms and path and not path.startswith("["):
                continue        # a file's read-only text and data
            lo, hi = (int(x, 16) for x in f[0].split("-"))
            # Larger than any heap here: a sanitizer build's shadow and
            # reserved ranges (terabytes, mostly unbacked).
            if hi - lo > SCAN_REGION_MAX:
                continue
            # In chunks, overlapping by the longest piece.
            overlap = max(len(n) for n in pieces)
            at = lo
            while at < hi:
                try:
                    mem.seek(at)
                    data = mem.read(min(SCAN_CHUNK + overlap, hi - at))
                except (OSError, ValueError, OverflowError):
                    break
                for n in pieces:
                    if n not in found and n in data:
                        found.add(n)
                at += SCAN_CHUNK
    return len(found)


def memory_scan(d, name, keyfile):
    """Every wsflowd process: only the keyholder holds key parts."""
    pieces = needles(key_parts(keyfile))
    procs = dict(children(d.proc.pid))
    procs[d.proc.pid] = "wsflowd: supervisor"
    check(any(t == "wsflowd: keyholder" for t in procs.values()),
          "%s: a keyholder process runs" % name)
    for pid, title in sorted(procs.items()):
        n = scan(pid, pieces)
        print("  scan %s: pid %d %-24s %3d of %d key pieces" %
              (name, pid, title, n, len(pieces)))
        if title == "wsflowd: keyholder":
            check(n > 0, "%s: the scan finds the key in the keyholder" %
                  name)
        else:
            check(n == 0, "%s: no part of the key in %s" % (name, title))


def key_type_case(tmp, name):
    """One key type: TLS 1.3 and 1.2, s_client and websockets."""
    make_cert(tmp, name)
    cert, key = (os.path.join(tmp, name + x) for x in (".cert", ".key"))
    sigtype = KEYS[name][1]
    d = Daemon(tmp, cert, key)
    try:
        d.start()
        for v in ("-tls1_3", "-tls1_2"):
            ok, out = s_client([v], cert)
            check(ok and "Peer signature type: %s" % sigtype in out,
                  "%s %s: s_client verified, %s signature" %
                  (name, v[1:], sigtype))
        if name == "rsa":
            ok, out = s_client(["-tls1_2", "-sigalgs", "RSA+SHA256"], cert)
            check(ok and "Peer signature type: RSA\n" in out,
                  "rsa tls1_2: PKCS#1 v1.5 signature")
        check(ws_echo(cert), "%s: python3-websockets echo over wss://" % name)
        if os.geteuid() == 0 and name in ("rsa", "p256", "ed25519"):
            memory_scan(d, name, key)
        if name == "rsa":
            away_case(d, cert)
            reload_case(tmp, d, cert, key)
            reload_keys_case(tmp, d)
        check("killed by signal" not in d.log().replace(
            "keyholder) killed by signal 9", ""),
            "%s: no worker died" % name)
    finally:
        d.stop()


def away_case(d, cert):
    """The keyholder stopped: handshakes fail, the worker lives; killed:
    restarted, and handshakes work again."""
    kh = d.pid_of("wsflowd: keyholder")
    ws = d.pid_of("wsflowd: ws_server ws")
    os.kill(kh, signal.SIGSTOP)
    try:
        ok, _ = s_client([], cert)
        check(not ok, "keyholder stopped: the handshake fails")
    finally:
        os.kill(kh, signal.SIGCONT)
    check(s_client([], cert)[0], "keyholder continued: handshakes work")
    os.kill(kh, signal.SIGKILL)
    end = time.monotonic() + 20
    while time.monotonic() < end:
        new = d.pid_of("wsflowd: keyholder")
        if new not in (None, kh) and s_client([], cert)[0]:
            break
        time.sleep(0.1)
    check(new not in (None, kh), "keyholder killed: restarted")
    check(ws_echo(cert), "after its restart: echo over wss://")
    check(d.pid_of("wsflowd: ws_server ws") == ws,
          "the ws_server worker was not restarted")


def reload_case(tmp, d, cert, key):
    """SIGUSR1: a new certificate and key for new connections; the open
    connection goes on."""
    ctx = ssl.create_default_context(cafile=cert)
    newdir = os.path.join(tmp, "new")
    os.makedirs(newdir, exist_ok=True)
    make_cert(newdir, "p256", cn="reloaded")
    both = os.path.join(tmp, "both.pem")
    with open(both, "w") as f:
        f.write(open(cert).read() + open(os.path.join(newdir, "p256.cert"))
                .read())

    async def run():
        async with websockets.connect("wss://localhost:%d/" % PORT, ssl=ctx,
                                      open_timeout=10) as ws:
            await ws.send(b"before")
            first = await asyncio.wait_for(ws.recv(), 10)
            shutil.copy(os.path.join(newdir, "p256.cert"), cert)
            shutil.copy(os.path.join(newdir, "p256.key"), key)
            os.kill(d.proc.pid, signal.SIGUSR1)
            end = time.monotonic() + 20
            while time.monotonic() < end:
                ok, out = s_client([], both)
                if ok and "CN = reloaded" in out:
                    break
                await asyncio.sleep(0.1)
            await ws.send(b"after")
            second = await asyncio.wait_for(ws.recv(), 10)
            return first == b"before" and second == b"after"
    try:
        check(asyncio.run(run()), "reload: the open connection goes on")
    except Exception as e:   # noqa: BLE001
        check(False, "reload: the open connection goes on (%s)" % e)
    ok, out = s_client([], both)
    check(ok and "CN = reloaded" in out and
          "Peer signature type: ECDSA" in out,
          "reload: a new connection gets the new certificate and key")


def ctl(d, *args):
    """wsflowctl on the daemon's socket: (exit status, stdout + stderr)."""
    r = subprocess.run([os.path.join(BLD, "ctl", "wsflowctl"), "-s",
                        os.path.join(d.tmp, "ctl.sock")] + list(args),
                       capture_output=True, text=True, timeout=30)
    return r.returncode, (r.stdout + r.stderr).strip()


def held_echo(s, data):
    """One binary echo on a raw wss:// connection: True if it came back."""
    try:
        return echo(s, data) == data
    except (OSError, ConnectionError) as e:
        print("  held connection: %s" % e)
        return False


def kh_keys(d):
    """How many connectors' keys the keyholder holds (show stats)."""
    _, out = ctl(d, "-j", "show", "stats")
    m = re.search(r'"keys"\s*:\s*(\d+)', out)
    return int(m.group(1)) if m else None


def until(cond, what):
    """checks.wait_for, 20 s, as a truth value."""
    try:
        return wait_for(cond, 20, what, step=0.1)
    except TimeoutError:
        return False


SECOND = """
  define connector ws2 from ws_server
  with
    codec = "binary",
    config = {{ "url": "127.0.0.1:{port}",
               "tls": {{ "cert": "{cert}", "key": "{key}" }} }}
  end;
  create connector ws2;
  create pipeline echo2 from pipelines::passthrough;
  connect /connector/ws2 to /pipeline/echo2;
  connect /pipeline/echo2 to /connector/ws2;
"""


def reload_keys_case(tmp, d):
    """wsflowctl reload starts and replaces connectors with a private key
    (the keyholder gains and forgets keys) while a client of the kept
    TLS connector keeps its connection; a key that does not match its
    certificate fails the reload and changes nothing.  The daemon runs a
    copy of the flow, edited here."""
    with open(d.flow) as f:
        text = f.read()
    tail = text.rindex("end;")

    def write(extra):
        with open(d.flow, "w") as f:
            f.write(text[:tail] + extra + text[tail:])

    rc, out = ctl(d, "reload")
    check(rc == 0 and "1 kept" in out,
          "reload of the same flow keeps the TLS connector: %s" % out)
    make_cert(tmp, "p256-added", cn="added")
    make_cert(tmp, "rsa-other", cn="other")
    cert2, key2 = (os.path.join(tmp, "p256-added" + x)
                   for x in (".cert", ".key"))
    held = ws_connect(PORT, True)
    check(held_echo(held, b"before"), "a client of ws echoes")
    kh = d.pid_of("wsflowd: keyholder")
    check(kh_keys(d) == 1, "the keyholder holds one key")

    write(SECOND.format(port=PORT2, cert=cert2, key=key2))
    rc, out = ctl(d, "reload")
    check(rc == 0 and "1 started" in out,
          "reload adding a wss:// connector with its own key: %s" % out)
    check(ws_echo(cert2, port=PORT2),
          "the added connector serves TLS echoes with its key")
    check(held_echo(held, b"after add"),
          "the client of ws keeps its connection through the reload")
    check(kh_keys(d) == 2 and d.pid_of("wsflowd: keyholder") == kh,
          "the same keyholder holds two keys")

    old = d.pid_of("wsflowd: ws_server ws2")
    write(SECOND.format(port=PORT3, cert=cert2, key=key2))
    rc, out = ctl(d, "reload")
    check(rc == 0 and "1 replaced" in out,
          "reload replacing the TLS connector (another port): %s" % out)
    new = d.pid_of("wsflowd: ws_server ws2")
    check(new not in (None, old) and ws_echo(cert2, port=PORT3),
          "the new worker serves new connections with the key")
    check(until(lambda: kh_keys(d) == 2, "two keys"),
          "the replaced worker's key is forgotten (%s keys)" % kh_keys(d))
    check(held_echo(held, b"after replace"),
          "the client of ws keeps its connection")

    os.kill(d.pid_of("wsflowd: keyholder"), signal.SIGKILL)
    check(until(lambda: d.pid_of("wsflowd: keyholder") not in (None, kh)
                and ws_echo(cert2, port=PORT3), "a new keyholder"),
          "a restarted keyholder learns the key a reload added")
    check(kh_keys(d) == 2, "the restarted keyholder holds both keys")

    bad = SECOND.format(port=PORT2, cert=cert2, key=key2).replace(
        "ws2", "ws3").replace("echo2", "echo3").replace(
        key2, os.path.join(tmp, "rsa-other.key"))
    write(SECOND.format(port=PORT3, cert=cert2, key=key2) + bad)
    rc, out = ctl(d, "reload")
    check(rc == 1 and "does not match the certificate" in out and
          "ws3" in out,
          "a reload with a key not matching its certificate fails: %s" % out)
    check(held_echo(held, b"after refusal") and
          ws_echo(cert2, port=PORT3) and
          d.pid_of("wsflowd: ws_server ws2") == new,
          "after the refused reload everything runs as before")
    check(until(lambda: d.pid_of("wsflowd: ws_server ws3") is None and
                kh_keys(d) == 2, "ws3 gone"), "the refused connector is gone")
    if os.geteuid() == 0:
        memory_scan(d, "reload-added p256", key2)

    write("")
    rc, out = ctl(d, "reload")
    check(rc == 0 and "1 stopped" in out,
          "reload removing the added connector: %s" % out)
    check(until(lambda: kh_keys(d) == 1, "one key"),
          "the keyholder forgot the removed connector's key")
    if os.geteuid() == 0:
        n = scan(d.pid_of("wsflowd: keyholder"), needles(key_parts(key2)))
        check(n == 0, "the forgotten key is wiped: %d pieces in the "
              "keyholder" % n)
    check(held_echo(held, b"at the end"), "the client of ws is still served")
    held.close()
    with open(d.flow, "w") as f:
        f.write(text)
    check(ws_echo(d.cert), "ws still serves new connections")


def reload_first_key_case(tmp):
    """A daemon that started with no private key (no keyholder): a reload
    adding a wss:// connector starts the keyholder, which takes its key;
    a client of the plain connector keeps its connection."""
    global FLOW
    flow, FLOW = FLOW, os.path.join(SRC, "tests", "hostile", "echo.troy")
    d = Daemon(tmp, "", "")
    d.args = ["-D", "url=127.0.0.1:%d" % PORT]
    cert, key = (os.path.join(tmp, "p256-added" + x)
                 for x in (".cert", ".key"))
    held = None
    try:
        d.start(wait=False)
        held = until(lambda: ws_connect_or_none(PORT), "the plain echo")
        check(held and held_echo(held, b"plain") and
              d.pid_of("wsflowd: keyholder") is None,
              "no key, no keyholder: the plain echo serves")
        with open(d.flow) as f:
            text = f.read()
        tail = text.rindex("end;")
        with open(d.flow, "w") as f:
            f.write(text[:tail] + SECOND.format(port=PORT2, cert=cert,
                                                key=key) + text[tail:])
        rc, out = ctl(d, "reload")
        check(rc == 0 and "1 started" in out and
              d.pid_of("wsflowd: keyholder") is not None,
              "reload adding the first key starts the keyholder: %s" % out)
        check(ws_echo(cert, port=PORT2), "the added connector serves TLS")
        check(held and held_echo(held, b"after"),
              "the plain client keeps its connection")
        if os.geteuid() == 0:
            memory_scan(d, "first key by reload", key)
    finally:
        FLOW = flow
        if held:
            held.close()
        d.stop()


def ws_connect_or_none(port):
    """A plain ws:// connection, or None when none can be had yet."""
    try:
        return ws_connect(port, False)
    except (OSError, ConnectionError):
        return None


def openssl(args, cwd):
    subprocess.run(["openssl"] + args, cwd=cwd, check=True, timeout=60,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def make_pki(tmp):
    """ca.cert and other-ca.cert; server, client (by ca) and other (by
    other-ca) certificates with their keys (RSA for the client, whose key
    the scan looks for; EC, quicker to make, for the others)."""
    for ca in ("ca", "other-ca"):
        openssl(["req", "-x509", "-nodes", "-days", "2", "-newkey", "ec",
                 "-pkeyopt", "ec_paramgen_curve:P-256", "-keyout",
                 ca + ".key", "-out", ca + ".cert", "-subj", "/CN=" + ca],
                tmp)
    for name, ca in (("server", "ca"), ("client", "ca"),
                     ("other", "other-ca")):
        ext = os.path.join(tmp, name + ".ext")
        with open(ext, "w") as f:
            f.write("subjectAltName=DNS:localhost,DNS:%s.example,"
                    "IP:127.0.0.1\n" % name)
        openssl(["req", "-nodes", "-keyout", name + ".key", "-out",
                 name + ".csr", "-subj", "/CN=%s/O=wsflow" % name] +
                KEYS["rsa" if name == "client" else "p256"][0], tmp)
        openssl(["x509", "-req", "-in", name + ".csr", "-CA", ca + ".cert",
                 "-CAkey", ca + ".key", "-CAcreateserial", "-days", "2",
                 "-out", name + ".cert", "-extfile", ext], tmp)
        os.chmod(os.path.join(tmp, name + ".key"), 0o644)


def ws_json(url, tmp, cert=None):
    """Send "hi" (json) and return the answer text, or None."""
    ctx = None
    if url.startswith("wss:"):
        ctx = ssl.create_default_context(cafile=os.path.join(tmp, "ca.cert"))
        if cert:
            ctx.load_cert_chain(os.path.join(tmp, cert + ".cert"),
                                os.path.join(tmp, cert + ".key"))

    async def run():
        async with websockets.connect(url, ssl=ctx, open_timeout=10) as ws:
            await ws.send('"hi"')
            return await asyncio.wait_for(ws.recv(), 10)
    try:
        return asyncio.run(run())
    except Exception as e:   # noqa: BLE001: any failure is no answer
        print("  %s with %s: %s" % (url, cert, e))
        return None


def mtls_case(tmp):
    """verify_client required and optional, and a ws_client's
    certificate, with python3-websockets and s_client."""
    tmp = os.path.join(tmp, "mtls")
    os.makedirs(tmp)
    make_pki(tmp)
    srv, opt, front = PORT + 1, PORT + 2, PORT + 3
    d = Daemon(tmp, "server.cert", "server.key")
    d.args = ["-D", "srv=127.0.0.1:%d" % srv, "-D", "opt=127.0.0.1:%d" % opt,
              "-D", "front=127.0.0.1:%d" % front,
              "-D", "back=wss://127.0.0.1:%d" % srv]
    subject = ('"tls_client":{"subject":"O=wsflow,CN=client","san":['
               '"DNS:localhost","DNS:client.example","IP:127.0.0.1"]}')
    global FLOW
    flow, FLOW = FLOW, os.path.join(SRC, "tests", "keyholder", "mtls.troy")
    try:
        d.start(wait=False)
        end = time.monotonic() + 20
        url = "wss://localhost:%d/" % srv
        while ws_json(url, tmp, "client") is None and \
                time.monotonic() < end and d.proc.poll() is None:
            time.sleep(0.1)
        check(ws_json(url, tmp) is None,
              "required: no client certificate, refused")
        check(ws_json(url, tmp, "other") is None,
              "required: a certificate from another CA, refused")
        got = ws_json(url, tmp, "client")
        check(got is not None and '"echo":"hi"' in got and subject in got,
              "required: the right certificate, echo with its subject and "
              "SANs (%s)" % got)
        c12 = ["-tls1_2", "-connect", "127.0.0.1:%d" % srv]
        for who, want in ((None, False), ("other", False), ("client", True)):
            extra = [] if who is None else [
                "-cert", os.path.join(tmp, who + ".cert"),
                "-key", os.path.join(tmp, who + ".key")]
            r = subprocess.run(["openssl", "s_client"] + c12 + extra,
                               input=b"", capture_output=True, timeout=10)
            check((r.returncode == 0) == want,
                  "s_client TLS 1.2 with %s: %s" % (
                      who or "no certificate",
                      "accepted" if want else "refused"))
        url = "wss://localhost:%d/" % opt
        got = ws_json(url, tmp)
        check(got is not None and '"tls_client":null' in got,
              "optional: no certificate, echo with tls_client null")
        got = ws_json(url, tmp, "client")
        check(got is not None and subject in got,
              "optional: a certificate, echo with its subject")
        got = ws_json("ws://localhost:%d/" % front, tmp)
        check(got is not None and subject in got,
              "a ws_client presents its certificate (key in the keyholder)")
        if os.geteuid() == 0:
            memory_scan(d, "mtls client", os.path.join(tmp, "client.key"))
            memory_scan(d, "mtls server", os.path.join(tmp, "server.key"))
    finally:
        FLOW = flow
        d.stop()


def mismatch_case(tmp):
    """A key that is not the certificate's: start-up fails, saying so."""
    make_cert(tmp, "p384")
    d = Daemon(tmp, os.path.join(tmp, "p384.cert"),
               os.path.join(tmp, "rsa.key"))
    d.start(wait=False)
    try:
        rc = d.proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        rc = None
    d.stop()
    check(rc == 1 and "does not match the certificate" in d.log(),
          "a key not matching its certificate stops the start-up")


def main():
    tmp = tempfile.mkdtemp(prefix="wsflow-kh-")
    os.chmod(tmp, 0o755)
    try:
        for name in KEYS:
            key_type_case(tmp, name)
        mismatch_case(tmp)
        reload_first_key_case(tmp)
        mtls_case(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return summary()


if __name__ == "__main__":
    sys.exit(main())
