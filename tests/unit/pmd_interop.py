#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""Python's side of test_pmd_interop.sh (raw deflate, RFC 7692 7.2).

gen: print "bits orig comp" (hex) lines, Python's zlib deflating a
sequence of messages on one stream with context takeover per window size.
check FILE: inflate each "bits orig comp" line of FILE (our deflate) with
Python's zlib on one stream per window size and compare with orig.
negotiate TEST_PMD: python3-websockets' client offers to our server and
our client's offers to its server; both sides must agree (exit 77 when
websockets is not installed).
"""
import random
import subprocess
import sys
import zlib

TAIL = b"\x00\x00\xff\xff"


def messages():
    rnd = random.Random(5)
    out = [b"", b"Hello", b"Hello"]
    for i in range(40):
        n = rnd.choice([1, 10, 100, 1000, 20000])
        words = [b'{"id":%d,' % i, b'"event":"click",', b'"user":"bob"}',
                 b"[1,2,3]", bytes([rnd.randrange(256)])]
        m = b"".join(rnd.choice(words) for _ in range(n // 8 + 1))[:n]
        out.append(m)
    out.append(bytes(rnd.randrange(256) for _ in range(5000)))
    return out


def gen():
    for bits in (9, 10, 12, 15):
        c = zlib.compressobj(6, zlib.DEFLATED, -bits)
        for m in messages():
            z = c.compress(m) + c.flush(zlib.Z_SYNC_FLUSH)
            assert z.endswith(TAIL)
            print(bits, m.hex() or "", z[:-4].hex())


def check(path):
    bits_seen, d, n = None, None, 0
    with open(path) as f:
        for line in f:
            bits, orig, comp = line.rstrip("\n").split(" ")
            bits = int(bits)
            if bits != bits_seen:
                # 8 would be 9 on our side too; Python's zlib inflates 8.
                d, bits_seen = zlib.decompressobj(wbits=-bits), bits
            got = d.decompress(bytes.fromhex(comp) + TAIL)
            if got != bytes.fromhex(orig):
                print("bits %d: our message %d did not inflate" % (bits, n))
                return 1
            n += 1
    print("python inflated %d messages of ours" % n)
    return 0 if n > 0 else 1


def ours(prog, mode, cfg, header=None):
    args = [prog, mode] + [str(v) for v in cfg]
    if header is not None:
        args.append(header)
    out = subprocess.run(args, check=True, capture_output=True, text=True)
    res, val = out.stdout.split("\n")[:2]
    return res, val


def agreed(ext, we_are_server):
    """websockets' PerMessageDeflate as (snct, cnct, sbits, cbits)."""
    if we_are_server:   # websockets is the client
        return (int(ext.remote_no_context_takeover),
                int(ext.local_no_context_takeover),
                ext.remote_max_window_bits, ext.local_max_window_bits)
    return (int(ext.local_no_context_takeover),
            int(ext.remote_no_context_takeover),
            ext.local_max_window_bits, ext.remote_max_window_bits)


def negotiate(prog):
    try:
        from websockets.extensions import permessage_deflate as pmd
        from websockets.headers import build_extension, parse_extension
    except ImportError:
        print("no python3-websockets: negotiation skipped")
        return 77
    n = bad = 0
    clients = [dict(), dict(server_max_window_bits=10),
               dict(client_max_window_bits=9),
               dict(server_no_context_takeover=True),
               dict(client_no_context_takeover=True),
               dict(client_max_window_bits=None),
               dict(server_max_window_bits=12, client_max_window_bits=10,
                    server_no_context_takeover=True,
                    client_no_context_takeover=True)]
    configs = [(0, 0, 15, 15), (1, 1, 12, 10), (0, 0, 9, 15),
               (1, 0, 15, 11), (0, 1, 10, 15)]
    # Their client, our server.
    for kw in clients:
        for cfg in configs:
            f = pmd.ClientPerMessageDeflateFactory(**kw)
            offer = build_extension([(f.name, f.get_request_params())])
            res, resp = ours(prog, "server", cfg, offer)
            n += 1
            if res == "no permessage-deflate agreed":
                # Only when we must limit a client that cannot be limited.
                if "client_max_window_bits" in offer or cfg[3] == 15:
                    print("declined %r with %r" % (offer, cfg))
                    bad += 1
                continue
            try:
                [(name, params)] = parse_extension(resp)
                ext = f.process_response_params(params, [])
            except Exception as e:
                print("their client refused %r for %r: %s" % (resp, offer, e))
                bad += 1
                continue
            if name != f.name or ext.remote_max_window_bits > cfg[2]:
                print("bad answer %r to %r" % (resp, offer))
                bad += 1
    # Our client, their server.
    servers = [dict(), dict(server_no_context_takeover=True),
               dict(client_no_context_takeover=True),
               dict(server_max_window_bits=10), dict(client_max_window_bits=9),
               dict(server_max_window_bits=9, client_max_window_bits=12,
                    server_no_context_takeover=True)]
    for kw in servers:
        for cfg in configs:
            res, offer = ours(prog, "offer", cfg)
            [(name, params)] = parse_extension(offer)
            s = pmd.ServerPerMessageDeflateFactory(**kw)
            n += 1
            try:
                rparams, ext = s.process_request_params(params, [])
            except Exception:
                # websockets declines what it cannot grant: fine.
                continue
            answer = build_extension([(s.name, rparams)])
            res, pp = ours(prog, "client", cfg, answer)
            want = " ".join(str(v) for v in agreed(ext, False))
            if res != "ok" or pp != want:
                print("offer %r answer %r: ours %s %s, theirs %s" %
                      (offer, answer, res, pp, want))
                bad += 1
    print("%d passed, %d failed" % (n - bad, bad))
    return 1 if bad else 0


if __name__ == "__main__":
    if sys.argv[1] == "gen":
        gen()
    elif sys.argv[1] == "negotiate":
        sys.exit(negotiate(sys.argv[2]))
    else:
        sys.exit(check(sys.argv[2]))
