#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""bench/spread.py: how the kernel spreads new connections over two
accepting processes, the two ways ws_server instances could listen:
"reuseport", a socket of its own per process bound with SO_REUSEPORT (what
wsflowd does), and "shared", one listening socket both processes wait on
with epoll.  N connections at once ("burst") or 2 ms apart ("paced"),
three runs each; prints the accepts per process, fewest first.
usage: spread.py [N] [FIRST_PORT]   (ports FIRST_PORT .. +19, loopback)"""
import multiprocessing as mp
import select
import socket
import sys
import time


def server(sock, q, stop):
    """Accept until told to stop; report how many."""
    ep = select.epoll()
    ep.register(sock.fileno(), select.EPOLLIN)
    sock.setblocking(False)
    n, conns = 0, []
    while not stop.is_set():
        for _ in ep.poll(0.05):
            while True:
                try:
                    c, _ = sock.accept()
                except BlockingIOError:
                    break
                conns.append(c)
                n += 1
    q.put(n)


def listener(port, reuseport):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuseport:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    s.bind(("127.0.0.1", port))
    s.listen(4096)
    return s


def run(mode, port, n, paced):
    q, stop, procs = mp.Queue(), mp.Event(), []
    shared = listener(port, False) if mode == "shared" else None
    for _ in range(2):
        s = shared or listener(port, True)
        p = mp.Process(target=server, args=(s, q, stop))
        p.start()
        procs.append(p)
    time.sleep(0.3)
    clients = []
    for _ in range(n):
        clients.append(socket.create_connection(("127.0.0.1", port)))
        if paced:
            time.sleep(0.002)
    time.sleep(0.5)
    stop.set()
    res = sorted(q.get() for _ in procs)
    for p in procs:
        p.join()
    for c in clients:
        c.close()
    return res


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    port = int(sys.argv[2]) if len(sys.argv) > 2 else 14600
    for mode in ("reuseport", "shared"):
        for paced in (False, True):
            runs = []
            for _ in range(3):
                runs.append(run(mode, port, n, paced))
                port += 1
            print(mode, "paced" if paced else "burst", runs, flush=True)


if __name__ == "__main__":
    main()
