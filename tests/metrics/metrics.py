#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""wsflowd -m against Debian's Prometheus client parser.

A JSON echo (metrics.troy) serves N clients sending M messages each; then
GET /metrics is parsed with prometheus_client's text parser and every
counter must equal the traffic sent (events per port, frames, payload
bytes, connections, close codes, route events); every family has HELP and
TYPE, every name starts with wsflow_ and every counter ends in _total.
`wsflowctl metrics` parses to the same metric set with the same values.
The memory budget (max_buffered 1 MiB in metrics.troy): the bytes in use
rise while a client holds an unfinished fragmented message and fall when
it goes; a client whose message passes the budget is closed with 1009 and
counted in wsflow_budget_closed_total{direction="in"}.
GET /health is 200 "ok"; with the file sink's directory gone and its
worker killed, its restarts fail and /health says 503 with the
connector's name until the directory is back.  Malformed, oversized and
body-carrying requests get 400 (unknown paths 404, other methods 405),
connections beyond the client bound get 503, and a well-behaved client
keeps its echo while all of that happens.  A second daemon on a port in
use fails to start.  Last line: "N passed, N failed"."""
import asyncio
import base64
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request

import websockets
from prometheus_client.parser import text_string_to_metric_families

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))
from checks import BLD, SRC, check, summary, wait_for  # noqa: E402

WS = 14531
MX = 14532
N = 4           # clients
M = 25          # messages each
WSFLOWD = os.path.join(BLD, "supervisor", "wsflowd")
WSFLOWCTL = os.path.join(BLD, "ctl", "wsflowctl")


def http(path, method="GET"):
    """(status, content type, body) of one request to the exporter."""
    req = urllib.request.Request("http://127.0.0.1:%d%s" % (MX, path),
                                 method=method)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.headers.get("Content-Type"), r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type"), e.read()
    except (OSError, urllib.error.URLError):
        return 0, None, b""


def raw(data, shut=True):
    """Send raw bytes, return the status line the exporter answers."""
    s = socket.create_connection(("127.0.0.1", MX), timeout=15)
    try:
        if data:
            s.sendall(data)
        if shut:
            s.shutdown(socket.SHUT_WR)
        out = b""
        while True:
            b = s.recv(65536)
            if not b:
                break
            out += b
    finally:
        s.close()
    return out.split(b"\r\n", 1)[0].decode("latin-1")


def samples(text):
    """{(name, sorted label items): value} and {family: (type, help)}."""
    vals, fams = {}, {}
    for f in text_string_to_metric_families(text):
        fams[f.name] = (f.type, f.documentation)
        for s in f.samples:
            vals[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return vals, fams


def val(vals, name, **labels):
    """The value of one sample (None when absent)."""
    want = dict(labels)
    for (n, lab), v in vals.items():
        d = dict(lab)
        if n == name and all(d.get(k) == x for k, x in want.items()):
            return v
    return None


async def client(i, sizes):
    """One client: M messages, each echoed; returns payload bytes sent."""
    sent = 0
    async with websockets.connect("ws://127.0.0.1:%d" % WS) as w:
        for j in range(M):
            msg = json.dumps({"c": i, "n": j, "pad": "x" * (j % 7)},
                             separators=(",", ":"))
            sent += len(msg)
            await w.send(msg)
            got = json.loads(await w.recv())
            if got != {"c": i, "n": j, "pad": "x" * (j % 7)}:
                raise RuntimeError("bad echo %r" % got)
    sizes.append(sent)


async def traffic():
    """N clients at once; the payload bytes they sent."""
    sizes = []
    await asyncio.gather(*(client(i, sizes) for i in range(N)))
    return sum(sizes)


async def echo_once():
    """A well-behaved client: one echo."""
    async with websockets.connect("ws://127.0.0.1:%d" % WS) as w:
        await w.send('{"ok":1}')
        return json.loads(await asyncio.wait_for(w.recv(), 10)) == {"ok": 1}


def worker_pid(title):
    """The pid of the process titled "wsflowd: TITLE" in our session."""
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % p, "rb") as f:
                cmd = f.read().replace(b"\0", b" ").strip()
            if cmd.startswith(("wsflowd: " + title).encode()) and \
                    os.getsid(int(p)) == DAEMON.pid:
                return int(p)
        except OSError:
            continue
    return None


def status_of(pid):
    """/proc/PID/status as a dict."""
    out = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            out[k] = v.split()
    return out


def scrape_checks(payload):
    """The counters after the traffic, parsed by prometheus_client."""
    st, ctype, body = http("/metrics")
    check(st == 200, "GET /metrics: 200 (got %d)" % st)
    check(ctype == "text/plain; version=0.0.4; charset=utf-8",
          "Content-Type is the 0.0.4 text format (got %r)" % ctype)
    text = body.decode()
    vals, fams = samples(text)
    check(all(n.startswith("wsflow_") for n in fams),
          "every family is named wsflow_*")
    helps = [line.split()[2] for line in text.splitlines()
             if line.startswith("# HELP ")]
    types = [line.split()[2] for line in text.splitlines()
             if line.startswith("# TYPE ")]
    check(helps == types and len(set(helps)) == len(helps) == len(fams) and
          len(fams) >= 30, "%d families, each with HELP and TYPE, "
          "distinct as the parser names them" % len(fams))
    counters = [line.split()[2] for line in text.splitlines()
                if line.startswith("# TYPE ") and line.endswith(" counter")]
    check(counters and all(c.endswith("_total") for c in counters),
          "%d counters, every one named *_total" % len(counters))
    total = N * M
    for name, labels, want in (
            ("wsflow_events_out_total", {"connector": "ws", "port": "out"},
             total),
            ("wsflow_events_in_total", {"connector": "ws", "port": "in"},
             total),
            ("wsflow_events_in_total", {"connector": "log", "port": "in"},
             total),
            ("wsflow_frames_received_total", {"connector": "ws"}, total),
            ("wsflow_frames_sent_total", {"connector": "ws"}, total),
            ("wsflow_ws_bytes_received_total", {"connector": "ws"},
             payload),
            ("wsflow_ws_bytes_sent_total", {"connector": "ws"}, payload),
            ("wsflow_bytes_received_total", {"connector": "ws"}, payload),
            ("wsflow_connections_total", {"connector": "ws"}, N),
            ("wsflow_connections_open", {"connector": "ws"}, 0),
            ("wsflow_close_received_total", {"connector": "ws",
                                              "code": "1000"}, N),
            ("wsflow_events_dropped_total", {"connector": "ws"}, 0),
            ("wsflow_errors_total", {"connector": "ws"}, 0),
            ("wsflow_connector_up", {"connector": "ws", "flow": "main"}, 1),
            ("wsflow_connector_up", {"connector": "log", "flow": "main"}, 1),
            ("wsflow_connector_restarts_total", {"connector": "log"}, 0),
            ("wsflow_route_events_total", {"from": "ws", "to": "log"},
             total),
            ("wsflow_route_queue_bytes", {"from": "ws", "to": "log"}, 0)):
        got = val(vals, name, **labels)
        check(got == want, "%s%s = %s (got %s)" % (name, labels, want, got))
    # the log file got every event (a line each)
    return vals


def ctl_checks(vals):
    """`wsflowctl metrics` parses to the same samples, same values."""
    out = subprocess.run([WSFLOWCTL, "-s", SOCK, "metrics"],
                         capture_output=True, text=True, timeout=30)
    check(out.returncode == 0, "wsflowctl metrics exits 0")
    cvals, _ = samples(out.stdout)
    _, _, body = http("/metrics")
    svals, _ = samples(body.decode())
    check(set(cvals) == set(svals) and len(cvals) > 20,
          "wsflowctl metrics: the scrape's %d samples" % len(cvals))
    diff = [k for k in cvals if cvals[k] != svals.get(k)]
    check(not diff, "wsflowctl metrics: the scrape's values (differ: %s)"
          % diff[:3])
    j = subprocess.run([WSFLOWCTL, "-j", "-s", SOCK, "metrics"],
                       capture_output=True, text=True, timeout=30)
    r = json.loads(j.stdout)
    check(r.get("ok") is True and
          samples(r.get("metrics", ""))[0].keys() == cvals.keys(),
          "wsflowctl -j metrics: {\"ok\": true, \"metrics\": TEXT}")
    check(vals.keys() <= cvals.keys(), "the first scrape's samples remain")


def ws_raw():
    """A raw WebSocket connection to the echo (upgrade done)."""
    s = socket.create_connection(("127.0.0.1", WS), timeout=15)
    s.sendall(("GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
               "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
               "Sec-WebSocket-Key: %s\r\n\r\n" % base64.b64encode(
                   os.urandom(16)).decode()).encode())
    resp = b""
    while b"\r\n\r\n" not in resp:
        b = s.recv(1)
        if not b:
            raise ConnectionError("no upgrade response")
        resp += b
    if not resp.startswith(b"HTTP/1.1 101"):
        raise ConnectionError("upgrade refused: %r" % resp[:40])
    return s


def fragment(first, n):
    """A text fragment of n spaces, no FIN, masked with a zero key."""
    return struct.pack("!BBQ", 0x1 if first else 0x0, 0x80 | 127, n) + \
        b"\0\0\0\0" + b" " * n


def close_code(s):
    """The code of the close frame the server sends (None: none)."""
    data = b""
    try:
        while True:
            b = s.recv(65536)
            if not b:
                break
            data += b
    except OSError:
        pass
    if len(data) >= 4 and data[0] & 0x0f == 8:
        return struct.unpack("!H", data[2:4])[0]
    return None


def budget_checks():
    """The budget in use rises with an unfinished message held, and
    falls when it goes; a message past the budget closes its
    connection with 1009 and is counted."""
    def scrape():
        _, _, text = http("/metrics")
        return samples(text.decode())[0]

    def budget(name, **labels):
        return val(scrape(), name, connector="ws", **labels)
    before = budget("wsflow_buffered_bytes")
    check(budget("wsflow_buffered_limit_bytes") == 1 << 20,
          "wsflow_buffered_limit_bytes{connector=\"ws\"} is max_buffered")
    check(budget("wsflow_budget_closed_total", direction="in") == 0 and
          budget("wsflow_budget_closed_total", direction="out") == 0,
          "wsflow_budget_closed_total: 0 in, 0 out before")
    holder = ws_raw()
    holder.sendall(fragment(True, 300 * 1024))
    used = wait_for(lambda: (lambda v: v is not None and
                             v >= before + 300 * 1024 and v)(
        budget("wsflow_buffered_bytes")), 10, "the budget in use to rise")
    check(True, "wsflow_buffered_bytes rose from %d to %d with 300 KiB of "
          "an unfinished message held" % (before, used))
    big = ws_raw()
    try:
        for i in range(12):     # 1.2 MiB in all, past the 1 MiB budget
            big.sendall(fragment(i == 0, 100 * 1024))
    except OSError:
        pass
    code = close_code(big)
    big.close()
    check(code == 1009, "a message past the budget: closed with 1009 "
          "(got %s)" % code)
    wait_for(lambda: budget("wsflow_budget_closed_total", direction="in")
             == 1, 10, "wsflow_budget_closed_total{direction=\"in\"} 1")
    v = scrape()
    check(val(v, "wsflow_budget_closed_total", connector="ws",
              direction="out") == 0 and
          (val(v, "wsflow_budget_refused_total", connector="ws") or 0) >= 1
          and (val(v, "wsflow_buffered_peak_bytes", connector="ws") or 0)
          >= used, "the close counted: budget_closed_total in 1, out 0; "
          "budget_refused_total >= 1; the peak >= %d" % used)
    check(not any(n == "wsflow_connector_counter" and
                  dict(lab).get("name", "").startswith("budget_")
                  for (n, lab) in v), "no budget counter left in "
          "wsflow_connector_counter")
    holder.close()
    wait_for(lambda: budget("wsflow_buffered_bytes") <= before, 10,
             "the budget in use to fall back")
    check(True, "the holder gone: wsflow_buffered_bytes back to %d"
          % budget("wsflow_buffered_bytes"))
    check(asyncio.run(echo_once()), "an echo client is served after it")


def hostile_checks():
    """Bad requests get 400 and nothing else breaks."""
    bad = {
        "garbage": b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n",
        "no version": b"GET /metrics\r\n\r\n",
        "HTTP/2 preface": b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
        "absolute form": b"GET http://x/metrics HTTP/1.1\r\n\r\n",
        "header without colon": b"GET /metrics HTTP/1.1\r\nbad\r\n\r\n",
        "NUL in the head": b"GET /met\0rics HTTP/1.1\r\n\r\n",
        "folded header": b"GET / HTTP/1.1\r\nA: b\r\n c\r\n\r\n",
        "a body": b"POST /metrics HTTP/1.1\r\nContent-Length: 4\r\n\r\nbody",
        "chunked": b"GET /metrics HTTP/1.1\r\nTransfer-Encoding: chunked"
                   b"\r\n\r\n0\r\n\r\n",
        "head over 8 KiB": b"GET /metrics HTTP/1.1\r\nX: " + b"a" * 9000,
        "head over 8 KiB, many headers":
            b"GET /metrics HTTP/1.1\r\n" + b"X-A: b\r\n" * 1200 + b"\r\n",
    }
    for what, data in bad.items():
        line = raw(data)
        check(line.startswith("HTTP/1.1 400 "), "%s: 400 (got %r)"
              % (what, line))
    line = raw(b"GET /nothing HTTP/1.1\r\n\r\n")
    check(line.startswith("HTTP/1.1 404 "), "unknown path: 404 (%r)" % line)
    line = raw(b"DELETE /metrics HTTP/1.1\r\n\r\n")
    check(line.startswith("HTTP/1.1 405 "), "DELETE: 405 (%r)" % line)
    line = raw(b"HEAD /health HTTP/1.0\r\n\r\n")
    check(line.startswith("HTTP/1.1 200 "), "HEAD /health: 200 (%r)" % line)
    # a head in pieces is one request
    s = socket.create_connection(("127.0.0.1", MX), timeout=15)
    for piece in (b"GET /hea", b"lth HTTP/1.1\r\nHo", b"st: x\r\n", b"\r\n"):
        s.sendall(piece)
        time.sleep(0.02)
    got = s.recv(4096)
    s.close()
    check(got.startswith(b"HTTP/1.1 200 ") and got.endswith(b"\r\n\r\nok\n"),
          "a head sent in pieces: 200 ok")
    # more idle connections than the exporter takes: the rest get 503
    idle = [socket.create_connection(("127.0.0.1", MX), timeout=15)
            for _ in range(16)]
    time.sleep(0.2)
    line = raw(b"", shut=False)
    check(line.startswith("HTTP/1.1 503 "), "17th connection: 503 (%r)"
          % line)
    check(asyncio.run(echo_once()), "an echo client is served meanwhile")
    for s in idle:
        s.close()
    wait_for(lambda: http("/health")[0] == 200, 10,
             "/health once the idle connections are gone")
    check(True, "the idle connections closed: /health answers again")
    st, _, body = http("/metrics")
    check(st == 200 and b"wsflow_connector_up" in body,
          "after the hostile requests /metrics still answers")
    check(asyncio.run(echo_once()), "after the hostile requests the echo "
          "still works")


def health_checks(logdir):
    """/health: 200 ok; 503 naming the connector while its restarts
    fail; 200 again once they succeed."""
    st, _, body = http("/health")
    check(st == 200 and body == b"ok\n", "GET /health: 200 ok (got %d %r)"
          % (st, body))
    pid = worker_pid("file log")
    check(pid is not None, "the file worker runs")
    shutil.rmtree(logdir)
    os.kill(pid, signal.SIGKILL)
    st, body = wait_for(lambda: (lambda r: r[0] == 503 and r[::2])(
        http("/health")), 10, "/health 503")
    check(st == 503 and body.startswith(b"connector main/log: "),
          "a worker down: /health 503 %r" % body)
    _, _, text = http("/metrics")
    vals, _ = samples(text.decode())
    check(val(vals, "wsflow_connector_up", connector="log") == 0,
          "a worker down: wsflow_connector_up 0")

    def failed_restart():
        st, _, text = http("/metrics")
        v, _ = samples(text.decode()) if st == 200 else ({}, None)
        # the second attempt is made once the first one failed
        return (val(v, "wsflow_connector_restarts_total", connector="log")
                or 0) >= 2 and http("/health")[0] == 503
    wait_for(failed_restart, 10, "a restart that fails")
    check(True, "a restart without the directory fails: still 503")
    os.mkdir(logdir)
    wait_for(lambda: http("/health")[0] == 200, 30, "/health 200 again")
    check(http("/health")[2] == b"ok\n", "the directory back: /health 200 ok")
    _, _, text = http("/metrics")
    vals, _ = samples(text.decode())
    r = val(vals, "wsflow_connector_restarts_total", connector="log")
    check(r is not None and r >= 2, "wsflow_connector_restarts_total "
          "counts the restarts (%s)" % r)


def sandbox_checks():
    """The exporter is a sandboxed worker, not root."""
    pid = worker_pid("exporter exporter")
    check(pid is not None, "the exporter runs as its own process")
    if pid is None:
        return
    st = status_of(pid)
    check(st["NoNewPrivs"] == ["1"], "exporter: no_new_privs")
    if os.geteuid() == 0:
        check(st["Uid"][0] != "0", "exporter: not root")
        check(os.readlink("/proc/%d/root" % pid) != "/",
              "exporter: chrooted")


def port_in_use():
    """A second daemon with -m on the port in use does not start."""
    r = subprocess.run([WSFLOWD, "-d", "-s", SOCK + "2",
                        "-m", "127.0.0.1:%d" % MX,
                        "-D", "url=127.0.0.1:%d" % (WS + 10),
                        "-D", "path=" + os.path.join(TMP, "x.log"),
                        os.path.join(SRC, "tests/metrics/metrics.troy")],
                       capture_output=True, text=True, timeout=30)
    check(r.returncode == 1 and "-m 127.0.0.1:%d" % MX in r.stderr and
          "in use" in r.stderr, "-m on a port in use: exit 1, %r"
          % r.stderr.strip()[-80:])


def main():
    global DAEMON, SOCK, TMP
    TMP = tempfile.mkdtemp(prefix="wsflow-metrics.")
    SOCK = os.path.join(TMP, "ctl.sock")
    logdir = os.path.join(TMP, "logs")
    os.mkdir(logdir)
    os.chmod(TMP, 0o755)
    err = open(os.path.join(TMP, "wsflowd.err"), "w")
    DAEMON = subprocess.Popen(
        [WSFLOWD, "-d", "-s", SOCK, "-m", "127.0.0.1:%d" % MX,
         "-D", "url=127.0.0.1:%d" % WS,
         "-D", "path=" + os.path.join(logdir, "out.log"),
         os.path.join(SRC, "tests/metrics/metrics.troy")],
        stdin=subprocess.DEVNULL, stdout=err, stderr=err,
        start_new_session=True)
    try:
        wait_for(lambda: http("/health")[0] == 200, 20, "/health 200")
        payload = asyncio.run(traffic())
        wait_for(lambda: os.path.exists(os.path.join(logdir, "out.log"))
                 and sum(1 for _ in open(os.path.join(logdir, "out.log")))
                 == N * M, 10, "every event in the log")
        vals = scrape_checks(payload)
        ctl_checks(vals)
        budget_checks()
        hostile_checks()
        sandbox_checks()
        health_checks(logdir)
        port_in_use()
    except Exception as e:  # noqa: BLE001
        check(False, "%s: %s" % (type(e).__name__, e))
    finally:
        DAEMON.terminate()
        try:
            DAEMON.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(DAEMON.pid, signal.SIGKILL)
        err.close()
        if summary_rc() != 0:
            with open(os.path.join(TMP, "wsflowd.err")) as f:
                sys.stdout.write(f.read()[-3000:])
        shutil.rmtree(TMP, ignore_errors=True)
    return summary()


def summary_rc():
    """Whether something failed so far (1) or not (0)."""
    from checks import results
    return 1 if results["fail"] else 0


if __name__ == "__main__":
    sys.exit(main())
