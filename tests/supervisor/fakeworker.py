#!/usr/bin/python3
# SPDX-License-Identifier: ISC
# A stand-in for wsflow-worker (wsflowd runs it through $WSFLOW_WORKER):
# it speaks the control channel on fd 3 as a worker does, and a connector
# whose name matches the pattern $FAKE_NAME sends on its k-th start one
# message ($FAKE_SEND: exit, resolve or ctl) that its type may or may not
# send, or floods the supervisor with descriptors (fds), once the file
# $FAKE_GO.k exists (the test creates them); with $FAKE_SEND failed it
# fails to start, saying why in text with a newline.  Before it says it
# is ready it sandboxes as a worker does (uid 65534 when root,
# no_new_privs, a seccomp filter) unless $FAKE_SEND is lie-root, lie-nnp
# or lie-seccomp: then it leaves that out but still reports uid 65534.
# As the control worker it serves wsflowctl clients (MSG_CTL_CLIENT): it
# passes each request on as the real one does, except that with
# $FAKE_SEND ctl-lie it passes on what a client may not ask (stop for
# anyone), and with ctl-uid it says a client that may not change the
# daemon is root (uid 0, pid 1).  With $FAKE_SEND hold it acknowledges
# its start only once the file $FAKE_GO.hold exists (never, if it never
# does).  With $FAKE_IDS (worker ids, comma-separated) only those workers
# are fake: the others exec the real worker, $FAKE_REAL.
# Every start is logged to $FAKE_LOG as "<name> start".
import ctypes
import fnmatch
import json
import os
import socket
import struct
import sys

HDR = struct.Struct("=IHH")
MSG_CONFIG, MSG_CONFIG_END, MSG_START, MSG_DRAIN = 1, 3, 4, 5
MSG_CTL_RES, MSG_CTL_CLIENT = 10, 14
MSG_HELLO, MSG_READY, MSG_FAILED = 100, 101, 102
MSG_STARTED, MSG_DRAINED = 103, 104
MSG_EXIT_REQ, MSG_RESOLVE_REQ, MSG_CTL_REQ = 105, 106, 108
MSG_CTL_CLOSED = 111
PROC_F_FD = 1
# enum ctl_cmd (common/ctlproto.h)
CTL_CMDS = {"status": 1, "show connectors": 2, "show pipelines": 3,
            "show stats": 4, "log verbose": 5, "log brief": 6, "stop": 7,
            "reload": 8}


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


class SockFilter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_ushort), ("jt", ctypes.c_ubyte),
                ("jf", ctypes.c_ubyte), ("k", ctypes.c_uint)]


class SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort),
                ("filter", ctypes.POINTER(SockFilter))]


def sandbox(lie):
    """Drop to uid and gid 65534 when root, set no_new_privs and an
    allow-all seccomp filter, as the supervisor expects of a worker;
    lie (root, nnp or seccomp) leaves that out from there on."""
    if lie == "root":
        return
    if os.geteuid() == 0:
        os.setgroups([65534])
        os.setresgid(65534, 65534, 65534)
        os.setresuid(65534, 65534, 65534)
    if lie == "nnp":
        return
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(38, 1, 0, 0, 0) != 0:	# PR_SET_NO_NEW_PRIVS
        sys.exit("no_new_privs: errno %d" % ctypes.get_errno())
    if lie == "seccomp":
        return
    allow = (SockFilter * 1)(SockFilter(0x06, 0, 0, 0x7fff0000))
    prog = SockFprog(1, allow)		# BPF_RET|BPF_K, SECCOMP_RET_ALLOW
    if libc.prctl(22, 2, ctypes.byref(prog), 0, 0) != 0:	# SECCOMP
        sys.exit("seccomp: errno %d" % ctypes.get_errno())


def lie(name):
    """What connector name leaves out of its sandbox ($FAKE_SEND lie-*)."""
    what = os.environ.get("FAKE_SEND", "")
    if what.startswith("lie-") and fnmatch.fnmatchcase(
            name, os.environ.get("FAKE_NAME", "")):
        return what[4:]
    return ""


def fail(name):
    """Does connector name fail to start ($FAKE_SEND failed)?"""
    return (os.environ.get("FAKE_SEND") == "failed" and
            fnmatch.fnmatchcase(name, os.environ.get("FAKE_NAME", "")))


def ctl_client(sock, clients, payload, fd):
    """MSG_CTL_CLIENT: read the client's request and pass it on, honestly
    or as $FAKE_SEND says (ctl-lie, ctl-uid)."""
    cid, uid, pid, may_change = struct.unpack("=IIiI", payload)
    client = socket.socket(fileno=fd)
    client.settimeout(5)
    line = b""
    try:
        while not line.endswith(b"\n"):
            data = client.recv(1024)
            if not data:
                break
            line += data
        cmd = CTL_CMDS.get(json.loads(line)["command"], 0)
    except (OSError, ValueError, KeyError):
        cmd = 0
    lie = os.environ.get("FAKE_SEND", "")
    mutating = cmd in (5, 6, 7, 8)
    if cmd == 0 or (mutating and not may_change and lie != "ctl-lie"):
        client.sendall(b'{"ok":false,"error":"refused by the worker"}\n')
        client.close()
        send(sock, MSG_CTL_CLOSED, struct.pack("=I", cid))
        return
    if lie == "ctl-uid" and not may_change:
        uid, pid = 0, 1
    clients[cid] = client
    send(sock, MSG_CTL_REQ, struct.pack("=IIIi", cid, cmd, uid, pid))


def ctl_reply(sock, clients, payload):
    """MSG_CTL_RES: the supervisor's answer to a client, then close it."""
    (cid,) = struct.unpack_from("=I", payload)
    client = clients.pop(cid, None)
    if client is not None:
        try:
            client.sendall(payload[4:])
        except OSError:
            pass
        client.close()
        send(sock, MSG_CTL_CLOSED, struct.pack("=I", cid))


def starts(log, name):
    """How many times connector name was started before."""
    log.seek(0)
    return sum(1 for line in log if line == name + " start\n")


def held(name):
    """Does connector name hold its start ($FAKE_SEND hold)?"""
    return (os.environ.get("FAKE_SEND") == "hold" and
            fnmatch.fnmatchcase(name, os.environ.get("FAKE_NAME", "")))


def main():
    cid = int(sys.argv[sys.argv.index("-i") + 1])
    ids = os.environ.get("FAKE_IDS")
    if ids and str(cid) not in ids.split(","):
        os.execv(os.environ["FAKE_REAL"], ["wsflowd"] + sys.argv[1:])
    sock = socket.socket(fileno=3)
    send(sock, MSG_HELLO, struct.pack("=II",
         int(os.environ["FAKE_VERSION"]), cid))
    buf = b""
    fds = []
    clients = {}
    name = "?"
    armed = False
    go = os.environ.get("FAKE_GO", "")
    log = open(os.environ["FAKE_LOG"], "a+")
    sock.settimeout(0.05)
    holding = False
    while True:
        if holding and os.path.exists(os.environ["FAKE_GO"] + ".hold"):
            holding = False
            send(sock, MSG_STARTED)
        if armed and os.path.exists(go):
            armed = False
            misbehave(sock, os.environ.get("FAKE_SEND", ""))
        try:
            data, anc, _, _ = sock.recvmsg(65536,
                                           socket.CMSG_SPACE(4 * 8))
        except socket.timeout:
            continue
        for level, kind, cmsg in anc:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                for i in range(0, len(cmsg) - len(cmsg) % 4, 4):
                    fds.append(struct.unpack("=i", cmsg[i:i + 4])[0])
        if not data:
            return
        buf += data
        while len(buf) >= HDR.size:
            length, mtype, flags = HDR.unpack_from(buf)
            if len(buf) < HDR.size + length:
                break
            payload = buf[HDR.size:HDR.size + length]
            buf = buf[HDR.size + length:]
            fd = fds.pop(0) if flags & PROC_F_FD and fds else -1
            if mtype == MSG_CTL_CLIENT and fd != -1:
                ctl_client(sock, clients, payload, fd)
            elif fd != -1:
                os.close(fd)
            if mtype == MSG_CTL_RES:
                ctl_reply(sock, clients, payload)
            elif mtype == MSG_CONFIG:
                name = json.loads(payload)["name"]
            elif mtype == MSG_CONFIG_END and fail(name):
                # What a worker says failed, with a forged journald line.
                send(sock, MSG_FAILED, b"cannot start\n<3>forged\tline\\")
            elif mtype == MSG_CONFIG_END:
                # Whatever it did, it says it runs as 65534.
                sandbox(lie(name))
                send(sock, MSG_READY, struct.pack("=II", 65534, 65534))
            elif mtype == MSG_START:
                k = starts(log, name) + 1
                log.write(name + " start\n")
                log.flush()
                holding = held(name)
                if not holding:
                    send(sock, MSG_STARTED)
                armed = fnmatch.fnmatchcase(name,
                                            os.environ.get("FAKE_NAME", ""))
                go = "%s.%d" % (os.environ.get("FAKE_GO", ""), k)
            elif mtype == MSG_DRAIN:
                send(sock, MSG_DRAINED, bytes(24))
                return


main()
