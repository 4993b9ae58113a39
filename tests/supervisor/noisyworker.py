#!/usr/bin/python3
# SPDX-License-Identifier: ISC
# A worker that writes what a compromised one might to its standard
# error before it becomes the real one (wsflowd runs it through
# $WSFLOW_WORKER; it execs $NOISY_WORKER with the same arguments): when
# the file $NOISY_GO exists, the first worker to start removes it and
# writes a forged journald line, a carriage-return forgery, terminal
# escape sequences, control bytes and a line of $NOISY_FLOOD bytes
# (default 1 MiB) without a newline.  When $NOISY_GO.exit exists, the
# first worker to start removes it, writes a line and a last one without
# a newline, and exits 3 instead.
import os
import sys


def write_all(data):
    while data:
        data = data[os.write(2, data):]


def main():
    go = os.environ.get("NOISY_GO", "")
    try:
        os.unlink(go + ".exit")
        write_all(b"noisy: last words\nnoisy: no newline at the end")
        sys.exit(3)
    except OSError:
        pass
    try:
        os.unlink(go)
        noisy = True
    except OSError:
        noisy = False
    if noisy:
        write_all(b"noisy: before\n<3>wsflowd[1]: forged\n"
                  b"noisy: \r<3>cr forged\n"
                  b"noisy: \x1b[31mred\x1b]0;title\x07 \x00\x7f\xff\n")
        write_all(b"F" * int(os.environ.get("NOISY_FLOOD", 1 << 20)))
    os.execv(os.environ["NOISY_WORKER"], ["wsflowd"] + sys.argv[1:])


main()
