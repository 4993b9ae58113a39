#!/bin/sh
# SPDX-License-Identifier: ISC
# The built programs carry what configure's hardening turned on: PIE,
# RELRO with BIND_NOW, the stack protector and fortified calls.  Skipped
# (77) when the build has no hardening (--disable-hardening); fortified
# calls are checked only where configure enabled _FORTIFY_SOURCE (not
# under the sanitizers).
set -u
: "${top_builddir:=.}"
case " ${HARDEN_LDFLAGS:-} " in
*relro*) ;;
*) echo "built without hardening: skipped"; exit 77 ;;
esac
command -v readelf >/dev/null 2>&1 || { echo "no readelf: skipped"; exit 77; }
fail=0 n=0 ok=0 bad=0

# has WHAT PATTERN TEXT: report whether TEXT matches the extended regex.
has() {
	if printf '%s\n' "$3" | grep -Eq "$2"; then
		echo "ok: $p: $1"
		ok=$((ok + 1))
	else
		echo "FAIL: $p: $1"
		fail=1 bad=$((bad + 1))
	fi
}

for p in supervisor/wsflowd supervisor/wsflowctl ctl/wsflowctl \
    workers/wsflow-worker; do
	f=$top_builddir/$p
	[ -f "$f" ] || continue
	n=$((n + 1))
	has PIE 'DYN \(Position-Independent' "$(readelf -h "$f")"
	has RELRO GNU_RELRO "$(readelf -lW "$f")"
	has BIND_NOW 'BIND_NOW|Flags: NOW' "$(readelf -d "$f")"
	syms=$(readelf --dyn-syms -W "$f")
	has "stack protector" __stack_chk_fail "$syms"
	case " ${HARDEN_CPPFLAGS:-} " in
	*FORTIFY*) has "fortified calls" '__[a-z_]+_chk@' "$syms" ;;
	esac
done
[ "$n" -ge 3 ] || { echo "FAIL: found $n of the programs"; fail=1 bad=$((bad + 1)); }
echo "$ok passed, $bad failed"
exit $fail
