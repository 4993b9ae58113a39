#!/bin/sh
# SPDX-License-Identifier: ISC
# SIGKILL this test's worker titled "wsflowd: $1" once out.log has
# something in it.  Shared by the sigkill tests (run from the test's dir).
title=${1:?usage: killworker.sh TITLE}
. ../bin/findworker.sh

i=0
while [ $i -lt 400 ]; do
	if [ -s out.log ] && pid=$(findworker "$title"); then
		kill -9 "$pid" && echo "killed $pid" > killed.log
		exit 0
	fi
	sleep 0.02
	i=$((i + 1))
done
echo "no worker found" > killed.log
exit 1
