# SPDX-License-Identifier: ISC
# A stand-in for systemd's notify socket: binds a datagram socket at
# argv[1] (a path, or @name for an abstract one) and, for each message,
# appends to argv[2] one line per assignment:
#   PID ASSIGNMENT | CHILD-TITLE, ...
# PID is the sender's (SCM_CREDENTIALS); the titles of the sender's
# children are read from /proc when the message arrives.  argv[2].bound
# appears once the socket is bound.  Runs until killed (at most 120 s).
import os
import socket
import struct
import sys
import time


def children(pid):
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/status" % d) as f:
                ppid = [l.split()[1] for l in f if l.startswith("PPid:")]
            if ppid != [str(pid)]:
                continue
            with open("/proc/%s/cmdline" % d, "rb") as f:
                title = f.read().split(b"\0")[0].decode("utf-8", "replace")
        except OSError:
            continue
        out.append(title.strip())
    return ", ".join(sorted(out))


addr, log = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("\0" + addr[1:] if addr.startswith("@") else addr)
s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
open(log + ".bound", "w").close()
end = time.monotonic() + 120
while time.monotonic() < end:
    s.settimeout(max(0.1, end - time.monotonic()))
    try:
        msg, anc, _, _ = s.recvmsg(4096, socket.CMSG_SPACE(12))
    except socket.timeout:
        break
    pid = 0
    for level, kind, data in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
            pid = struct.unpack("iII", data[:12])[0]
    kids = children(pid)
    with open(log, "a") as f:
        for line in msg.decode("utf-8", "replace").split("\n"):
            if line:
                f.write("%d %s | %s\n" % (pid, line, kids))
