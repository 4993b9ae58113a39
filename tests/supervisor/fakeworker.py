#!/usr/bin/python3
# SPDX-License-Identifier: ISC
# A stand-in for wsflow-worker (wsflowd runs it through $WSFLOW_WORKER):
# it speaks the control channel on fd 3 as a worker does, and a connector
# whose name matches the pattern $FAKE_NAME sends on its k-th start one
# message ($FAKE_SEND: exit, resolve or ctl) that its type may or may not
# send, or floods the supervisor with descriptors (fds), once the file
# $FAKE_GO.k exists (the test creates them); with $FAKE_SEND failed it
# fails to start, saying why in text with a newline.  Every start is logged to
# $FAKE_LOG as "<name> start".
import fnmatch
import json
import os
import socket
import struct
import sys

HDR = struct.Struct("=IHH")
MSG_CONFIG, MSG_CONFIG_END, MSG_START, MSG_DRAIN = 1, 3, 4, 5
MSG_HELLO, MSG_READY, MSG_FAILED = 100, 101, 102
MSG_STARTED, MSG_DRAINED = 103, 104
MSG_EXIT_REQ, MSG_RESOLVE_REQ, MSG_CTL_REQ = 105, 106, 108


def send(sock, mtype, payload=b""):
    sock.sendall(HDR.pack(len(payload), mtype, 0) + payload)


def misbehave(sock, what):
    if what == "exit":	# struct msg_exit: delay 0, status 7, immediate
        send(sock, MSG_EXIT_REQ, struct.pack("=QiI", 0, 7, 0))
    elif what == "resolve":	# struct msg_resolve_req
        send(sock, MSG_RESOLVE_REQ, struct.pack("=Ii256s32s", 1,
             socket.AF_INET, b"localhost", b"80"))
    elif what == "ctl":	# struct msg_ctl_req: status
        send(sock, MSG_CTL_REQ, struct.pack("=IIIi", 1, 1, 0, 0))
    elif what == "fds":
        # More descriptors than the supervisor queues (32), eight per
        # byte, and never a whole header: it must close them all.
        for _ in range(5):
            sock.sendmsg([b"\0"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS,
                                    struct.pack("=8i", *[0] * 8))])


def fail(name):
    """Does connector name fail to start ($FAKE_SEND failed)?"""
    return (os.environ.get("FAKE_SEND") == "failed" and
            fnmatch.fnmatchcase(name, os.environ.get("FAKE_NAME", "")))


def starts(log, name):
    """How many times connector name was started before."""
    log.seek(0)
    return sum(1 for line in log if line == name + " start\n")


def main():
    cid = int(sys.argv[sys.argv.index("-i") + 1])
    sock = socket.socket(fileno=3)
    send(sock, MSG_HELLO, struct.pack("=II",
         int(os.environ["FAKE_VERSION"]), cid))
    buf = b""
    name = "?"
    armed = False
    go = os.environ.get("FAKE_GO", "")
    log = open(os.environ["FAKE_LOG"], "a+")
    sock.settimeout(0.05)
    while True:
        if armed and os.path.exists(go):
            armed = False
            misbehave(sock, os.environ.get("FAKE_SEND", ""))
        try:
            data, anc, _, _ = sock.recvmsg(65536,
                                           socket.CMSG_SPACE(4 * 8))
        except socket.timeout:
            continue
        for level, kind, fds in anc:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                for i in range(0, len(fds) - len(fds) % 4, 4):
                    os.close(struct.unpack("=i", fds[i:i + 4])[0])
        if not data:
            return
        buf += data
        while len(buf) >= HDR.size:
            length, mtype, _ = HDR.unpack_from(buf)
            if len(buf) < HDR.size + length:
                break
            payload = buf[HDR.size:HDR.size + length]
            buf = buf[HDR.size + length:]
            if mtype == MSG_CONFIG:
                name = json.loads(payload)["name"]
            elif mtype == MSG_CONFIG_END and fail(name):
                # What a worker says failed, with a forged journald line.
                send(sock, MSG_FAILED, b"cannot start\n<3>forged\tline\\")
            elif mtype == MSG_CONFIG_END:
                send(sock, MSG_READY, struct.pack("=II", 65534, 65534))
            elif mtype == MSG_START:
                k = starts(log, name) + 1
                log.write(name + " start\n")
                log.flush()
                send(sock, MSG_STARTED)
                armed = fnmatch.fnmatchcase(name,
                                            os.environ.get("FAKE_NAME", ""))
                go = "%s.%d" % (os.environ.get("FAKE_GO", ""), k)
            elif mtype == MSG_DRAIN:
                send(sock, MSG_DRAINED, bytes(24))
                return


main()
