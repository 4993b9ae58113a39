#!/bin/sh
# SPDX-License-Identifier: ISC
# Record the sandbox facts of this test's workers from /proc.
. ../bin/findworker.sh

fact() {
	st=/proc/$2/status
	sc=$(awk '/^Seccomp:/ { print $2 }' "$st")
	nnp=$(awk '/^NoNewPrivs:/ { print $2 }' "$st")
	uid=$(awk '/^Uid:/ { print ($2 == 0 || $3 == 0) ? "root" : "unprivileged" }' "$st")
	echo "$1: Seccomp $sc, NoNewPrivs $nnp, uid $uid"
}
i=0
while [ $i -lt 1000 ]; do
	if a=$(findworker "file in") && b=$(findworker "file out"); then
		{ fact "file in" "$a"; fact "file out" "$b"; } > facts.log
		exit 0
	fi
	sleep 0.05
	i=$((i + 1))
done
echo "workers not found" > facts.log
exit 1
