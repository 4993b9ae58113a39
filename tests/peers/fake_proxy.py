#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""A hostile HTTP CONNECT proxy for tests/peers/proxy.sh.

fake_proxy.py PORT LOG MODE...: on 127.0.0.1:PORT, the n-th request
gets MODE n (the last one repeats once the list is used up; connections
that send no request, such as a test's probe, do not count).  Each
request head it reads (at most 64 KiB) is appended to LOG, one line per
request line and header field.  Modes:
  garbage   a line that is no HTTP status line, then silence
  silent    no answer at all
  huge      a 200 status line and one header field that never ends
            (until the client hangs up, at most 64 MiB)
  407       407 Proxy Authentication Required, then close
  leftover  "200" and, in the same write, the start of an HTTP answer
            that only the layer after the proxy can see (a 403)
"""
import socket
import sys
import threading

CHUNK = b"a" * 65536
HUGE_MAX = 64 << 20


def read_head(c):
    """The client's request head, or None."""
    data = b""
    while b"\r\n\r\n" not in data and len(data) < 65536:
        b = c.recv(4096)
        if not b:
            return None
        data += b
    return data.split(b"\r\n\r\n", 1)[0]


def hold(c):
    """Wait until the client hangs up."""
    try:
        while c.recv(4096):
            pass
    except OSError:
        pass


def serve(c, modes, log, lock, count):
    """One connection, in the mode of its request's number."""
    try:
        head = read_head(c)
        if head is None:
            return
        with lock, open(log, "a") as f:
            for line in head.split(b"\r\n"):
                f.write(line.decode("latin-1") + "\n")
            mode = modes[min(count[0], len(modes) - 1)]
            count[0] += 1
        if mode == "garbage":
            c.sendall(b"SSH-2.0-OpenSSH_9.2\r\n")
            hold(c)
        elif mode == "silent":
            hold(c)
        elif mode == "huge":
            c.sendall(b"HTTP/1.1 200 OK\r\nX-Big: ")
            sent = 0
            while sent < HUGE_MAX:
                c.sendall(CHUNK)
                sent += len(CHUNK)
        elif mode == "407":
            c.sendall(b"HTTP/1.1 407 Proxy Authentication Required\r\n"
                      b"Proxy-Authenticate: Basic realm=\"t\"\r\n"
                      b"Content-Length: 0\r\n\r\n")
        elif mode == "leftover":
            c.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n"
                      b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
            hold(c)
    except OSError:
        pass
    finally:
        c.close()


def main():
    port, log, modes = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
    lock = threading.Lock()
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    s.listen(16)
    count = [0]
    while True:
        c, _ = s.accept()
        threading.Thread(target=serve, args=(c, modes, log, lock, count),
                         daemon=True).start()


if __name__ == "__main__":
    main()
