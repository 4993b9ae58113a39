#!/usr/bin/python3
"""Python's side of test_pmd_interop.sh (raw deflate, RFC 7692 7.2).

gen: print "bits orig comp" (hex) lines, Python's zlib deflating a
sequence of messages on one stream with context takeover per window size.
check FILE: inflate each "bits orig comp" line of FILE (our deflate) with
Python's zlib on one stream per window size and compare with orig.
"""
import random
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


if __name__ == "__main__":
    if sys.argv[1] == "gen":
        gen()
    else:
        sys.exit(check(sys.argv[2]))
