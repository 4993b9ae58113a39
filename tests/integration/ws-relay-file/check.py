#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""Wait for the upstream connection to close, then judge out.log: the
answers that came back must be the first lines of the file, in order
(the echo peer stops answering once it reads the relay's close frame,
so the last few may be missing).  Writes result.log."""
import time

for _ in range(50):
    try:
        if "close" in open("upstream.log").read():
            break
    except OSError:
        pass
    time.sleep(0.1)
time.sleep(0.5)
want = open("expected.json").read().split("\n")[:-1]
got = open("out.log").read().split("\n")[:-1]
ok = len(got) >= 100 and got == want[:len(got)]
with open("result.log", "w") as f:
    f.write("answers in order: %s\n" % ok)
