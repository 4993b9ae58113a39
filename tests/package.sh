#!/bin/sh
# SPDX-License-Identifier: ISC
# The Debian package: built by dpkg-buildpackage from a clean copy of the
# source (git archive of HEAD, else the distribution files) in a scratch
# directory, installed with dpkg -i, its files checked where they belong,
# the sample configuration checked and served by the installed wsflowd,
# then purged, and the user and directories it made removed again.
# It changes the machine, so it runs only as root (CI: a throwaway
# machine) and only where no wsflow is installed; otherwise, and inside a
# package build, it is skipped (77).  Last line "N passed, N failed".
set -u
src=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
bld=${top_builddir:-$src/build}
skip() { echo "skipped: $*"; exit 77; }

[ -z "${WSFLOW_IN_PACKAGE_BUILD:-}" ] || skip "inside a package build"
[ "$(id -u)" -eq 0 ] || skip "not root (dpkg -i)"
for c in dpkg-buildpackage dpkg-checkbuilddeps dh dh_autoreconf; do
	command -v "$c" >/dev/null 2>&1 ||
		skip "no $c (contrib/setup-debian.sh installs it)"
done
case "$(dpkg-query -W -f='${Status}' wsflow 2>/dev/null)" in
""|*not-installed) ;;
*) skip "package wsflow is on this machine: left alone" ;;
esac
for f in /etc/wsflow /usr/sbin/wsflowd /usr/sbin/wsflowctl \
    /usr/bin/wsflow-tremor /usr/share/wsflow; do
	[ ! -e "$f" ] || skip "$f exists: left alone"
done

user=_wsflow
conf=/etc/wsflow/wsflow.troy
# Not the jobserver of the `make check` that runs this.
unset MAKEFLAGS MFLAGS MAKELEVEL
tmp=$(mktemp -d "${TMPDIR:-/tmp}/wsflow-package.XXXXXX") || exit 99
installed=0
daemon=
had_user=0
getent passwd "$user" >/dev/null && had_user=1
had_group=0
getent group "$user" >/dev/null && had_group=1
had_run=0
[ -e /run/wsflow ] && had_run=1
# The machine as it was: the package purged, what its scripts made removed.
restore() {
	[ -z "$daemon" ] || kill "$daemon" 2>/dev/null
	if [ "$installed" = 1 ]; then
		dpkg --purge wsflow >"$tmp/purge.log" 2>&1 || cat "$tmp/purge.log"
		installed=0
	fi
	[ "$had_user" = 1 ] || ! getent passwd "$user" >/dev/null ||
		userdel "$user"
	[ "$had_group" = 1 ] || ! getent group "$user" >/dev/null ||
		groupdel "$user"
	[ "$had_run" = 1 ] || rmdir /run/wsflow/empty /run/wsflow 2>/dev/null
	:
}
trap 'restore; rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM HUP

# shellcheck source=tests/checks.sh
. "$src/tests/checks.sh"
t0=$(date +%s)
t=$t0
# took WHAT: print the time since the last step.
took() {
	now=$(date +%s)
	echo "# $1: $((now - t)) s"
	t=$now
}
# finish: the result line.
finish() {
	echo "# total: $(($(date +%s) - t0)) s"
	echo "$pass passed, $fail failed"
	[ "$fail" -eq 0 ]
	exit
}
# fatal WHAT LOG: a step the others need failed.
fatal() {
	nok "$1"
	tail -40 "$2" | sed 's/^/# /'
	finish
}

# A clean copy of the source.
mkdir "$tmp/wsflow" || exit 99
top=$(git -C "$src" rev-parse --show-toplevel 2>/dev/null)
if [ -n "$top" ] && [ "$(cd "$top" && pwd -P)" = "$(cd "$src" && pwd -P)" ] &&
    git -C "$src" rev-parse -q --verify HEAD >/dev/null 2>&1; then
	echo "# source: git archive HEAD ($(git -C "$src" rev-parse --short HEAD));" \
	    "uncommitted changes are not in it"
	git -C "$src" archive HEAD | tar -xf - -C "$tmp/wsflow" ||
		fatal "git archive" /dev/null
else
	echo "# source: make distdir"
	make -C "$bld" distdir distdir="$tmp/wsflow" top_distdir="$tmp/wsflow" \
	    >"$tmp/dist.log" 2>&1 || fatal "make distdir" "$tmp/dist.log"
fi
took "copy"

# Build it (no test suite inside, no debug symbols package).
if (cd "$tmp/wsflow" && DEB_BUILD_OPTIONS="nocheck noddebs parallel=2" \
    DEB_BUILD_PROFILES=nocheck dpkg-buildpackage -b -us -uc) \
    >"$tmp/build.log" 2>&1; then
	ok "dpkg-buildpackage -b -us -uc"
else
	fatal "dpkg-buildpackage -b -us -uc" "$tmp/build.log"
fi
took "dpkg-buildpackage"
set -- "$tmp"/wsflow_*.deb
[ -f "$1" ] || fatal "no wsflow_*.deb" "$tmp/build.log"
deb=$1
echo "# $(basename "$deb"): $(wc -c <"$deb") bytes"

# Install it.
installed=1
if dpkg -i "$deb" >"$tmp/dpkg.log" 2>&1; then ok "dpkg -i"
else fatal "dpkg -i" "$tmp/dpkg.log"; fi
took "dpkg -i"
dpkg -L wsflow >"$tmp/files"
# inst PATTERN: the one installed file whose path matches the regex.
inst() {
	f=$(grep -E "$1" "$tmp/files" | head -1)
	if [ -n "$f" ] && [ -e "$f" ]; then ok "installed: $f"
	else nok "nothing installed matches $1"; fi
}
inst '^/usr/sbin/wsflowd$'
inst '^/usr/sbin/wsflowctl$'
inst '^/usr/bin/wsflow-tremor$'
inst '^/usr/lib(exec)?/.*wsflow/wsflow-worker$'
inst '^/usr/lib(exec)?/.*wsflow/tremor$'
inst "^$conf\$"
inst '^(/usr)?/lib/systemd/system/wsflowd\.service$'
unit=$f
inst '^/usr/lib/sysusers\.d/wsflow\.conf$'
inst '^/usr/lib/tmpfiles\.d/wsflow\.conf$'
inst '^/usr/share/wsflow/lib/troy/pipelines\.troy$'
for m in man1/wsflow-tremor.1 man5/wsflow.troy.5 man8/wsflowd.8 \
    man8/wsflowctl.8; do
	inst "^/usr/share/man/$m\.gz\$"
done
check "$conf is a conffile" \
    sh -c "dpkg-query -W -f='\${Conffiles}' wsflow | grep -q ' $conf '"
check "user $user exists" sh -c "getent passwd $user >/dev/null"
check "/run/wsflow/empty exists" test -d /run/wsflow/empty

has "$unit" "ExecStartPre=/usr/sbin/wsflowd -n -f $conf"
has "$unit" "ExecStart=/usr/sbin/wsflowd -d -f $conf"
has "$unit" "KillMode=mixed"
has "$unit" "WorkingDirectory=/var/lib/wsflow"
if command -v systemd-analyze >/dev/null 2>&1; then
	out=$(systemd-analyze verify --man=no "$unit" 2>&1)
	if [ -z "$out" ]; then ok "systemd-analyze verify $unit"
	else nok "systemd-analyze verify:"; echo "$out" | sed 's/^/# /'; fi
fi
zcat /usr/share/man/man8/wsflowd.8.gz >"$tmp/wsflowd.8"
has "$tmp/wsflowd.8" ".It Pa $conf"
has "$tmp/wsflowd.8" ".It Pa $unit"
has "$tmp/wsflowd.8" "/wsflow/wsflow-worker"
out=$(zgrep -l /usr/local /usr/share/man/man*/wsflow*.gz)
if [ -z "$out" ]; then ok "no /usr/local in the man pages"
else nok "/usr/local in $out"; fi

# The installed daemon on the sample, as ExecStartPre runs it and by
# default; the front-end finds wsflowctl without PATH.
for a in "-n $conf" "-n"; do
	# shellcheck disable=SC2086
	out=$(cd / && /usr/sbin/wsflowd $a 2>&1)
	case "$out" in
	*"configuration OK"*) ok "wsflowd $a: configuration OK" ;;
	*) nok "wsflowd $a"; echo "$out" | sed 's/^/# /' ;;
	esac
done
out=$(env -i PATH=/usr/bin:/bin wsflow-tremor test integration "$tmp/none" 2>&1)
case "$out" in
*"wsflowctl: $tmp/none"*) ok "wsflow-tremor runs /usr/sbin/wsflowctl" ;;
*) nok "wsflow-tremor test"; echo "$out" | sed 's/^/# /' ;;
esac

# Serve the sample: its echo on 127.0.0.1:8139 answers, then a stop.
py=/usr/bin/python3
if ! "$py" -c 'import websockets' 2>/dev/null; then
	echo "# no python3-websockets: the sample is not served"
elif "$py" -c 'import socket; socket.create_connection(("127.0.0.1", 8139), 1)' \
    2>/dev/null; then
	echo "# 127.0.0.1:8139 is taken: the sample is not served"
else
	(cd /var/tmp && exec /usr/sbin/wsflowd -d -s "$tmp/ctl.sock" "$conf") \
	    >"$tmp/daemon.log" 2>&1 &
	daemon=$!
	out=$("$py" - <<'EOF' 2>&1
import asyncio, time, websockets
async def main():
    for _ in range(100):
        try:
            ws = await websockets.connect("ws://127.0.0.1:8139/")
            break
        except OSError:
            await asyncio.sleep(0.1)
    else:
        raise SystemExit("no listener on 127.0.0.1:8139")
    await ws.send("hello package")
    print(await asyncio.wait_for(ws.recv(), 5))
    await ws.close()
asyncio.run(main())
EOF
)
	case "$out" in
	"hello package") ok "the installed sample echoes" ;;
	*) nok "the installed sample echoes"; echo "$out" | sed 's/^/# /'
		sed 's/^/# daemon: /' "$tmp/daemon.log" ;;
	esac
	check "wsflowctl stop" sh -c "/usr/sbin/wsflowctl -s '$tmp/ctl.sock' stop >/dev/null"
	wait "$daemon"
	check "wsflowd exits 0 after the stop" test $? -eq 0
	daemon=
fi
took "checks"

# Purge it: nothing of it left.
if dpkg --purge wsflow >"$tmp/purge.log" 2>&1; then ok "dpkg --purge"
else nok "dpkg --purge"; sed 's/^/# /' "$tmp/purge.log"; fi
installed=0
left=
while read -r f; do
	[ -d "$f" ] || [ ! -e "$f" ] || left="$left $f"
done <"$tmp/files"
[ ! -e /etc/wsflow ] || left="$left /etc/wsflow"
if [ -z "$left" ]; then ok "purge leaves none of its files"
else nok "left after purge:$left"; fi
case "$(dpkg-query -W -f='${Status}' wsflow 2>/dev/null)" in
""|*not-installed) ok "wsflow not installed any more" ;;
*) nok "wsflow still known to dpkg" ;;
esac
restore
took "purge"
finish
