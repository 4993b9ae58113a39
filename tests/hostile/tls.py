#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""TLS clients a ws_server must refuse or cut short (limits-tls.troy,
handshake_timeout_ms 1000, the default TLS policy), each case beside the
well-behaved client (over TLS):
- a ClientHello and then silence (half-open TLS), and a TCP connection
  that never starts TLS: closed at the handshake timeout;
- a TLS 1.2 client offering only AES128-SHA, with openssl s_client
  -tls1_2 -cipher AES128-SHA and with Python's ssl: refused;
- other weak TLS 1.2 suites (static RSA with AES-GCM or CBC, ECDHE with
  CBC), TLS 1.1 and 1.0: refused (a suite this OpenSSL cannot offer is
  skipped);
- a renegotiation asked for by openssl s_client (R): refused with
  OpenSSL's no_renegotiation;
- plain HTTP on the TLS port: no answer, closed;
- TLS 1.2 with ECDHE-RSA-AES128-GCM-SHA256 and TLS 1.3: served.
The last line is "N passed, N failed"; exit status 0 when all passed.
"""
import base64
import os
import socket
import ssl
import subprocess
import sys
import time
import warnings

from limits_lib import Cases, ended, main_with, request, tcp
from hostile import ECHO_WAIT, check, frame, recv_message

HS = 1.0
# TLS 1.0 and 1.1 are what the cases try: Python warns they are old.
warnings.filterwarnings("ignore", category=DeprecationWarning)


def client_ctx(ciphers=None, low=None, high=None):
    """A client context that verifies nothing, with these settings."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    if low is not None:
        ctx.minimum_version = low
    if high is not None:
        ctx.maximum_version = high
    if ciphers is not None:
        ctx.set_ciphers(ciphers)
    return ctx


def attempt(port, ctx):
    """A TLS handshake, then the upgrade and one echo: what happened."""
    s = tcp(port)
    try:
        t = ctx.wrap_socket(s, server_hostname="localhost")
    except (ssl.SSLError, OSError) as e:
        s.close()
        return "refused: %s" % (getattr(e, "reason", None) or e)
    try:
        key = base64.b64encode(os.urandom(16)).decode()
        t.sendall(request(port, key=key))
        resp = b""
        while b"\r\n\r\n" not in resp:
            got = t.recv(1)
            if not got:
                break
            resp += got
        t.sendall(frame(2, b"over tls"))
        t.settimeout(ECHO_WAIT)
        ok = recv_message(t) == (2, b"over tls")
        return "served %s %s%s" % (t.version(), t.cipher()[0],
                                   ", echoed" if ok else ", no echo")
    finally:
        t.close()


def refused(port, ciphers=None, low=None, high=None):
    """The handshake must fail."""
    try:
        ctx = client_ctx(ciphers, low, high)
    except ssl.SSLError as e:
        return True, "skip: this OpenSSL cannot offer %s (%s)" % (
            ciphers, getattr(e, "reason", None) or e)
    what = attempt(port, ctx)
    return what.startswith("refused"), what


def served(port, ciphers=None, low=None, high=None):
    """The handshake, upgrade and echo must work."""
    what = attempt(port, client_ctx(ciphers, low, high))
    return what.endswith("echoed"), what


def half_open(port):
    """A real ClientHello, then nothing: closed at the timeout."""
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = client_ctx().wrap_bio(inc, out, server_hostname="localhost")
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    hello = out.read()
    s = tcp(port)
    s.sendall(hello)
    t0 = time.monotonic()
    s.settimeout(HS + 3)
    got = 0
    how = "still open"
    try:
        while True:
            d = s.recv(65536)
            if not d:
                how = "EOF"
                break
            got += len(d)
    except socket.timeout:
        pass
    except OSError as e:
        how = type(e).__name__
    t = time.monotonic() - t0
    s.close()
    return (how != "still open" and HS - 0.05 <= t <= HS + 1,
            "ClientHello of %d bytes answered with %d bytes, closed (%s) "
            "after %.2f s" % (len(hello), got, how, t))


def no_tls(port):
    """A TCP connection that never starts TLS."""
    s = tcp(port)
    t, _, how = ended(s, HS + 3)
    s.close()
    return (how != "still open" and HS - 0.05 <= t <= HS + 1,
            "closed (%s) after %.2f s" % (how, t))


def plain_http(port):
    """An upgrade request in the clear to the TLS port."""
    s = tcp(port)
    s.sendall(request(port))
    s.settimeout(HS + 3)
    data = b""
    try:
        while True:
            d = s.recv(4096)
            if not d:
                break
            data += d
    except OSError:
        pass
    s.close()
    return (b"101" not in data,
            "no upgrade (%d bytes back), closed" % len(data))


def s_client(port, args, stdin):
    """openssl s_client's output."""
    p = subprocess.run(["openssl", "s_client", "-connect",
                        "127.0.0.1:%d" % port] + args, input=stdin,
                       capture_output=True, timeout=20)
    return (p.stdout + p.stderr).decode(errors="replace")


def s_client_aes128_sha(port):
    """The must-show: openssl s_client -tls1_2 -cipher AES128-SHA."""
    out = s_client(port, ["-tls1_2", "-cipher", "AES128-SHA"], b"")
    alert = "alert handshake failure" in out
    return (alert and "Cipher is AES128-SHA" not in out,
            "s_client: %s" % ("sslv3 alert handshake failure" if alert
                              else out[-200:]))


def s_client_reneg(port):
    """s_client asks for a renegotiation after the handshake."""
    out = s_client(port, ["-tls1_2"], b"R\n")
    ok = "RENEGOTIATING" in out and "no renegotiation" in out
    return ok, "s_client R: %s" % ("no_renegotiation alert" if ok
                                   else out[-200:])


def body(d):
    """The cases, in order."""
    c = Cases(d)
    p = d.port
    v12, v11, v10, v13 = (ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_1,
                          ssl.TLSVersion.TLSv1, ssl.TLSVersion.TLSv1_3)
    c.run("ClientHello, then silence", lambda: half_open(p))
    c.run("TCP, TLS never started", lambda: no_tls(p))
    c.run("openssl -tls1_2 -cipher AES128-SHA",
          lambda: s_client_aes128_sha(p))
    c.run("TLS 1.2 AES128-SHA only (ssl)",
          lambda: refused(p, "AES128-SHA", v12, v12))
    c.run("TLS 1.2 AES256-GCM-SHA384 (no FS)",
          lambda: refused(p, "AES256-GCM-SHA384", v12, v12))
    c.run("TLS 1.2 ECDHE-RSA-AES128-SHA (CBC)",
          lambda: refused(p, "ECDHE-RSA-AES128-SHA", v12, v12))
    c.run("TLS 1.2 ECDHE-RSA-AES256-SHA384 (CBC)",
          lambda: refused(p, "ECDHE-RSA-AES256-SHA384", v12, v12))
    c.run("TLS 1.2 AES128-SHA256 (no FS, CBC)",
          lambda: refused(p, "AES128-SHA256", v12, v12))
    c.run("TLS 1.1", lambda: refused(p, "DEFAULT:@SECLEVEL=0", v11, v11))
    c.run("TLS 1.0", lambda: refused(p, "DEFAULT:@SECLEVEL=0", v10, v10))
    c.run("renegotiation (s_client R)", lambda: s_client_reneg(p))
    c.run("plain HTTP on the TLS port", lambda: plain_http(p))
    c.run("TLS 1.2 ECDHE-RSA-AES128-GCM-SHA256",
          lambda: served(p, "ECDHE-RSA-AES128-GCM-SHA256", v12, v12))
    c.run("TLS 1.3", lambda: served(p, None, v13, v13))
    check(d.stats().get("handshake_failed", 0) >= 8,
          "failed handshakes counted: %s" % d.stats().get(
              "handshake_failed"))
    c.finish()


if __name__ == "__main__":
    sys.exit(main_with("tls", "limits-tls.troy", {"hs": 1000}, body,
                       tls=True))
