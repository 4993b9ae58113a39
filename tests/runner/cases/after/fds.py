# SPDX-License-Identifier: ISC
# Write to leaks.txt each descriptor above 2 this process holds that its
# parent (wsflowctl test) does not: something the runner leaked to it.
import os

pp = os.getppid()
out = []
for n in os.listdir("/proc/self/fd"):
    fd = "/proc/self/fd/" + n
    if int(n) <= 2 or not os.path.exists(fd):
        continue        # standard, or listdir's own descriptor (closed)
    if not os.path.exists("/proc/%d/fd/%s" % (pp, n)):
        out.append("leaked fd %s: %s" % (n, os.readlink(fd)))
with open("leaks.txt", "w") as f:
    f.write("".join(s + "\n" for s in out))
