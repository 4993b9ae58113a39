#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""Ping flood from a client that never reads, against a ws_server echo
(echo.troy, binary codec; with "tls", echo-tls.troy and a certificate
made here).

The attacker connects with SO_RCVBUF 4096, upgrades, then sends masked
125-byte pings (up to 300 MiB plain, 100 MiB over TLS, as measured in
issue 11) and reads nothing.  Beside it a well-behaved client keeps
sending messages and must get every echo in time.  Asserted:
- the worker's VmHWM (/proc/PID/status) grows by at most 16 MiB;
- the attacker's connection is closed: its sends end with a reset or
  broken pipe (typically after some 15 MiB), or, should a close come
  late enough for the whole flood to go through, reading afterwards
  ends in EOF or a reset; and the server counts one output overflow and
  one 1008 close sent.  The 1008 frame itself is not asserted on the
  attacker's side: it sits behind the pongs the attacker, by
  definition, does not read, and the server drops that output when it
  closes the socket;
- the well-behaved client got all its echoes during the attack.
The last line is "N passed, N failed"; exit status 0 when all passed.
"""
import socket
import ssl
import sys
import time

from hostile import (SANITIZERS, Daemon, check, frame, run_case, vmhwm,
                     ws_connect)

FLOOD = {"plain": 300 << 20, "tls": 100 << 20}
GROWTH_MAX = 16 << 20   # VmHWM growth allowed, bytes
PING = 125              # payload of each ping (largest control frame)
DEADLINE = 40.0         # s for the whole case


def attack(port, tls, total, end):
    """The flood; returns (bytes sent, how it ended)."""
    s = ws_connect(port, tls, rcvbuf=4096)
    s.settimeout(max(1.0, end - time.monotonic()))
    chunk = b"".join(frame(9, bytes([0x70 + i % 10]) * PING)
                     for i in range(500))
    sent = 0
    how = "not closed: all %d MiB sent" % (total >> 20)
    try:
        while sent < total:
            if time.monotonic() > end:
                how = "not closed: deadline passed"
                break
            s.sendall(chunk)
            sent += len(chunk)
    except (ConnectionResetError, BrokenPipeError) as e:
        how = "closed: " + type(e).__name__
    except ssl.SSLError as e:
        how = "closed: TLS " + str(e)
    except socket.timeout:
        how = "not closed: a send stalled to the deadline"
    except OSError as e:
        how = "closed: " + str(e)
    if how.startswith("not closed"):
        # All sent (the server may have read and dropped the rest after
        # its 1008): what it still sends, then EOF or a reset, says it
        # closed; an open connection keeps sending pongs or is silent.
        until = time.monotonic() + 10
        try:
            while time.monotonic() < until:
                s.settimeout(max(0.1, until - time.monotonic()))
                if not s.recv(65536):
                    how = "closed: EOF after the flood"
                    break
        except (ConnectionResetError, ssl.SSLError) as e:
            how = "closed: %s after the flood" % type(e).__name__
        except OSError:
            pass
    s.close()
    return sent, how


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else "plain"
    start = time.monotonic()

    def flood(d, pid, good):
        time.sleep(0.2)
        before = vmhwm(pid)
        sent, how = attack(d.port, d.tls, FLOOD[mode],
                           start + DEADLINE - 10)
        after = vmhwm(pid)
        print("%s: %d MiB of pings sent, %s; worker VmHWM %.1f -> %.1f MiB"
              % (mode, sent >> 20, how, before / 1048576.0,
                 after / 1048576.0), flush=True)
        if SANITIZERS:
            print("skip: VmHWM bound (sanitizer build)", flush=True)
        else:
            check(after - before <= GROWTH_MAX,
                  "worker VmHWM grew by %.1f MiB (at most %d)"
                  % ((after - before) / 1048576.0, GROWTH_MAX >> 20))
        check(how.startswith("closed"),
              "the attacker's connection was closed (%s)" % how)
        st = d.stats()
        check(st.get("overflows") == 1,
              "one output overflow counted (%s)" % st.get("overflows"))
        check(st.get("close_out", {}).get("1008") == 1,
              "one 1008 close sent (%s)" % st.get("close_out"))

    return run_case("hostile-pingflood.", lambda tmp: Daemon(tmp, mode),
                    flood, DEADLINE + 15)


if __name__ == "__main__":
    sys.exit(main())
