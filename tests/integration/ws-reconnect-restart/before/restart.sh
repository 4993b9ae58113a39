#!/bin/sh
# SPDX-License-Identifier: ISC
# Run the server, stop it (SIGTERM: graceful) while the client streams,
# and start it again on the same port.
rm -f ../out.log
"$WSFLOWD" -d server.troy 2> server1.err &
pid=$!
sleep 1.2
kill -TERM $pid
wait $pid
echo "first server exited $?" > restarted
exec "$WSFLOWD" -d server.troy 2> server2.err
