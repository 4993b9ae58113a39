#!/bin/sh
# SPDX-License-Identifier: ISC
# `make install DESTDIR=...` into a scratch directory: every file in its
# configured place, the configured paths written into the unit, the
# sysusers and tmpfiles files, the man pages and the Tremor front-end; the
# installed wsflowd checks the sample configuration; a second install
# keeps an edited configuration and `make uninstall` leaves only that.
# Any user; last line "N passed, N failed".
set -u
src=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
bld=${top_builddir:-$src/build}
tmp=$bld/tests/install.work
rm -rf "$tmp"
mkdir -p "$tmp" || exit 99
# Not the jobserver of the `make check` that runs this.
unset MAKEFLAGS MFLAGS MAKELEVEL
start=$(date +%s)

# shellcheck source=tests/checks.sh
. "$src/tests/checks.sh"

eval "$(make -s -C "$bld" --no-print-directory contrib-dirs)" || exit 99
d=$tmp/root
strip=$d
if ! make -C "$bld" install DESTDIR="$d" >"$tmp/install.log" 2>&1; then
	cat "$tmp/install.log"
	echo "make install failed"
	exit 1
fi

for f in "$sbindir/wsflowd" "$sbindir/wsflowctl" \
    "$pkglibexecdir/wsflow-worker" "$bindir/wsflow-tremor"; do
	check "executable $f" test -x "$d$f" -a -f "$d$f"
done
for f in "$sysconfdir/wsflow/wsflow.troy" "$pkgdatadir/lib/troy/pipelines.troy" \
    "$mandir/man1/wsflow-tremor.1" "$mandir/man5/wsflow.troy.5" \
    "$mandir/man8/wsflowd.8" "$mandir/man8/wsflowctl.8"; do
	check "file $f" test -f "$d$f"
done
check "link $pkglibexecdir/tremor -> $bindir/wsflow-tremor" \
    test "$(readlink "$d$pkglibexecdir/tremor")" = "$bindir/wsflow-tremor"

if [ "$systemdsystemunitdir" != no ]; then
	u=$d$systemdsystemunitdir/wsflowd.service
	conf=$sysconfdir/wsflow/wsflow.troy
	has "$u" "ExecStartPre=$sbindir/wsflowd -n -f $conf"
	has "$u" "ExecStart=$sbindir/wsflowd -d -f $conf"
	has "$u" "KillMode=mixed"
	has "$u" "Type=notify"
	has "$u" "NotifyAccess=main"
	has "$u" "StateDirectory=wsflow"
	has "$u" "WorkingDirectory=/var/lib/wsflow"
	has "$u" "ExecReload=$sbindir/wsflowctl reload"
	has "$u" "RuntimeDirectory=${rundir#/run/} ${chroot#/run/}"
fi
if [ "$sysusersdir" != no ]; then
	has "$d$sysusersdir/wsflow.conf" "u $user - "
fi
if [ "$tmpfilesdir" != no ]; then
	has "$d$tmpfilesdir/wsflow.conf" "d $rundir 0755 root root"
	has "$d$tmpfilesdir/wsflow.conf" "d $chroot 0755 root root"
fi
has "$d$bindir/wsflow-tremor" "sbindir='$sbindir'"
m=$d$mandir/man8/wsflowd.8
has "$m" ".It Pa $sysconfdir/wsflow/wsflow.troy"
has "$m" ".It Pa $pkglibexecdir/wsflow-worker"
has "$m" ".It Pa $rundir/wsflowd.sock"
[ "$systemdsystemunitdir" = no ] ||
	has "$m" ".It Pa $systemdsystemunitdir/wsflowd.service"
has "$d$mandir/man5/wsflow.troy.5" ".Pa $pkgdatadir/lib"
has "$d$mandir/man8/wsflowctl.8" ".It Pa $pkglibexecdir/tremor"
has "$d$mandir/man1/wsflow-tremor.1" ".Pa $sbindir/wsflowd"

# No template placeholder left anywhere; no /usr/local under another
# prefix anywhere but in the front-end (which still tries
# /usr/local/sbin last, after its own sbindir).
out=$(grep -rIn '@[A-Za-z_]*@' "$d" 2>/dev/null)
if [ -z "$out" ]; then ok "no @placeholder@ installed"
else nok "placeholders installed:"; echo "$out" | sed 's/^/# /'; fi
if [ "$prefix" != /usr/local ]; then
	out=$(grep -rIl --exclude=wsflow-tremor /usr/local "$d" 2>/dev/null)
	if [ -z "$out" ]; then ok "no /usr/local under prefix $prefix"
	else nok "/usr/local under prefix $prefix in:"; echo "$out" | sed 's/^/# /'; fi
fi
if command -v mandoc >/dev/null 2>&1; then
	out=$(mandoc -Tlint -Wwarning "$d$mandir"/man*/* 2>&1)
	if [ -z "$out" ]; then ok "installed man pages lint clean"
	else nok "mandoc -Tlint:"; echo "$out" | sed 's/^/# /'; fi
fi

# The installed daemon on the installed sample, its modules from the
# installed library (the compiled-in one is not under DESTDIR).
out=$(WSFLOW_PATH=$d$pkgdatadir/lib "$d$sbindir/wsflowd" -n \
    "$d$sysconfdir/wsflow/wsflow.troy" 2>&1)
case "$out" in
*"configuration OK"*) ok "installed wsflowd -n: configuration OK" ;;
*) nok "installed wsflowd -n"; echo "$out" | sed 's/^/# /' ;;
esac
# The front-end runs the wsflowctl of its configured sbindir, whatever
# PATH says (here that sbindir lies under DESTDIR).
sed "s|^sbindir=.*|sbindir='$d$sbindir'|" "$d$bindir/wsflow-tremor" \
    >"$tmp/wsflow-tremor"
out=$(env -u WSFLOWCTL -u WSFLOWD PATH=/usr/bin:/bin sh "$tmp/wsflow-tremor" \
    test integration "$tmp/no-such-dir" 2>&1)
case "$out" in
*"wsflowctl: $tmp/no-such-dir"*) ok "front-end runs wsflowctl from sbindir" ;;
*) nok "front-end runs wsflowctl from sbindir"; echo "$out" | sed 's/^/# /' ;;
esac

# Reinstall over an edited configuration, then uninstall.
echo "# edited" >>"$d$sysconfdir/wsflow/wsflow.troy"
make -C "$bld" install DESTDIR="$d" >"$tmp/install2.log" 2>&1
check "second install" test $? -eq 0
has "$d$sysconfdir/wsflow/wsflow.troy" "# edited"
make -C "$bld" uninstall DESTDIR="$d" >"$tmp/uninstall.log" 2>&1
check "uninstall" test $? -eq 0
left=$(cd "$d" && find . ! -type d | sort)
if [ "$left" = ".$sysconfdir/wsflow/wsflow.troy" ]; then
	ok "uninstall leaves only the edited configuration"
else
	nok "uninstall leaves:"; echo "$left" | sed 's/^/# /'
fi

echo "# $(($(date +%s) - start)) s"
[ "$fail" -ne 0 ] || rm -rf "$tmp"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
