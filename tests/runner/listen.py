# SPDX-License-Identifier: ISC
# A TCP listener for the port-open self-test: writes its pid, waits a
# little (so the runner has to poll), then accepts and closes forever.
import os, socket, sys, time
port, pidfile = int(sys.argv[1]), sys.argv[2]
with open(pidfile, "w") as f:
    f.write("%d\n" % os.getpid())
time.sleep(0.5)
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", port))
s.listen(8)
print("listening", flush=True)
while True:
    c, _ = s.accept()
    c.close()
