#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""Feed ../in.fifo slowly: 400 records, 5 ms apart, then "exit"."""
import os, time
os.chdir(os.path.dirname(os.path.abspath(__file__)))
with open("../in.fifo", "w") as f:
    for i in range(400):
        f.write('{"i":%d}\n' % i)
        f.flush()
        time.sleep(0.005)
    f.write('"exit"\n')
