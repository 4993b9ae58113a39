#!/bin/sh
# SPDX-License-Identifier: ISC
# Self-tests of `wsflowctl test`: small test directories under cases/
# whose daemon is faked.sh (it runs the troy files as shell commands) are
# copied to the build tree and run; the runner's verdicts, messages, logs,
# report and process clean-up are checked.  Last line: "N passed, N failed".
set -u
src=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
bld=${top_builddir:-$src/build}
ctl=$bld/ctl/wsflowctl
here=$src/tests/runner
work=$bld/tests/runner.work
python=$(command -v python3 || echo /usr/bin/python3)

rm -rf "$work"
mkdir -p "$work" || exit 99
cp -R "$here/cases/." "$work/" || exit 99
for f in faked.sh faketremor.sh listen.py; do
	cp "$here/$f" "$work/$f" && chmod +x "$work/$f" || exit 99
done
freeport() {
	"$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
for d in port http; do
	sed -e "s|@PYTHON@|$python|g" -e "s|@LISTEN@|$work/listen.py|g" \
	    -e "s|@PORT@|$(freeport)|g" "$work/$d/before.yaml.in" > "$work/$d/before.yaml"
done

WSFLOWD=$work/faked.sh
TREMOR_PATH=/stdlib
export WSFLOWD TREMOR_PATH
unset TREMOR_BIN WSFLOW_PATH RUST_LOG WSFLOW_TREMOR

pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
nok() { fail=$((fail + 1)); echo "not ok - $*"; }
# t RC ARGS...: run wsflowctl test ARGS, expect exit status RC
t() {
	want=$1
	shift
	t0=$(date +%s)
	out=$("$ctl" test "$@" 2>&1)
	rc=$?
	secs=$(($(date +%s) - t0))
	if [ "$rc" -eq "$want" ]; then ok "test $* exits $want"
	else nok "test $* exits $rc, want $want"; echo "$out" | sed 's/^/# /'; fi
}
# has TEXT: the last output contains the line fragment
has() {
	if printf '%s\n' "$out" | grep -Fq -- "$1"; then ok "output has: $1"
	else nok "output lacks: $1"; echo "$out" | sed 's/^/# /'; fi
}
hasnt() {
	if printf '%s\n' "$out" | grep -Fq -- "$1"; then
		nok "output has: $1"; echo "$out" | sed 's/^/# /'
	else ok "output lacks: $1"; fi
}
last() {
	l=$(printf '%s\n' "$out" | tail -1)
	if [ "$l" = "$1" ]; then ok "last line: $1"
	else nok "last line is '$l', want '$1'"; fi
}
# file_has FILE TEXT
file_has() {
	if [ -f "$1" ] && grep -Fq -- "$2" "$1"; then ok "$(basename "$1") has: $2"
	else nok "$1 lacks: $2"; [ -f "$1" ] && sed 's/^/# /' "$1"; fi
}
# dead PIDFILE: the process it names is gone
# A process counts as gone when it no longer exists or is a zombie (killed,
# waiting for a parent that may not reap it promptly); a SIGKILL can take a
# moment to land, so allow up to 2 s.
alive() {
	st=$(sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' "/proc/$1/status" 2>/dev/null)
	[ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}
dead() {
	if [ ! -s "$1" ]; then nok "no pid file $1"; return; fi
	n=0
	while alive "$(cat "$1")" && [ $n -lt 20 ]; do sleep 0.1; n=$((n + 1)); done
	if alive "$(cat "$1")"; then
		nok "process $(cat "$1") from $(basename "$1") still runs"
		kill "$(cat "$1")" 2>/dev/null
	else ok "process from $(basename "$1") was stopped"; fi
}
check() { if eval "$1"; then ok "$2"; else nok "$2"; fi; }

# A passing test: all assert kinds, troy files sorted, env, cwd, logs.
w=$work/pass
t 0 "$w"
has "PASS pass ("
last "1 passed, 0 failed"
file_has "$w/daemon.log" "argv: -d -s /tmp/wsflowctl-test."
file_has "$w/daemon.log" "/ctl.sock $w/a.troy $w/b.troy"
sockdir=$(sed -n 's|^argv: -d -s \(/tmp/wsflowctl-test\.[^/]*\)/ctl.sock .*|\1|p' "$w/daemon.log")
check '[ -n "$sockdir" ] && [ ! -e "$sockdir" ]' "the daemon's socket directory is gone after the test"
file_has "$w/daemon.log" "cwd: $w"
file_has "$w/daemon.log" "TREMOR_PATH: /stdlib:$w/lib:$w/lib"
file_has "$w/daemon.log" "WSFLOW_PATH: $w/lib:$w/lib"
file_has "$w/daemon.log" "RUST_LOG: info"
file_has "$w/fg.out.log" "hello from b"
file_has "$w/fg.err.log" "a warning"
# The tremor shim runs the same test.
out=$(WSFLOWCTL=$ctl sh "$src/contrib/tremor" test integration "$w" 2>&1)
check '[ $? -eq 0 ]' "tremor test integration DIR passes"
has "PASS pass ("

# Exit status mismatch; no assert.yaml means status 0.
t 1 "$work/status"
has "FAIL status: exit status 3, expected exit status 0"
last "0 passed, 1 failed"
t 1 "$work/noassert"
has "FAIL noassert: exit status 2, expected exit status 0"

# contains / doesnt_contain, with details and log tails under -v.
t 1 "$work/contains"
has 'FAIL contains: 2 checks failed, first: stdout does not contain "missing thing"'
hasnt "(last lines)"
t 1 -v "$work/contains"
has '    stdout contains "boom" (line 2)'
has "    --- fg.out.log (last lines) ---"
has "    | error: boom"

# equals_file is exact.
t 1 "$work/equals"
has "FAIL equals: out.log differs from expected.json: missing final newline"

# port-open polls until the listener is up; the listener is killed after.
w=$work/port
t 0 "$w"
has "PASS port ("
file_has "$w/before.out.0.log" "listening"
dead "$w/listener.pid"
t 0 "$work/http"
has "PASS http ("

# file-exists waits for the file (relative to the entry's dir).
t 0 "$work/file"
has "PASS file ("
check '[ "$secs" -ge 1 ]' "file-exists waited for the file"

# status, env, wait-for-ms, min-await-secs.
t 0 -o "$work/awaits.json" "$work/awaits"
has "PASS awaits ("
check "\"$python\" -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d[\"tests\"][0][\"duration\"] >= 1.1 else 1)' \"$work/awaits.json\"" \
    "status 0.3s + wait-for-ms 600 + min-await 0.2 took >= 1.1s"

# A before process with the wrong status: after runs, main does not.
w=$work/before-status
t 1 "$w"
has "FAIL before-status: before.yaml:1: process 0 (sh): exit status 2, expected status 0"
check '[ -f "$w/after.ran" ]' "after.yaml ran after a failed before"
check '[ ! -f "$w/daemon.log" ]' "the daemon did not run after a failed before"
t 1 -v "$w"
has "    --- before.err.0.log (last lines) ---"
has "    | before-problem"

# Await timeouts: explicit and default (10 s); the sleeper is killed.
w=$work/await-timeout
t 1 "$w"
has "FAIL await-timeout: before.yaml:1: process 0 (sh): timed out after 1s waiting for file-exists never"
check '[ "$secs" -lt 8 ]' "await timeout is prompt (${secs}s)"
dead "$w/sleeper.pid"
t 1 "$work/await-default"
has "timed out after 10s waiting for file-exists never"
check '[ "$secs" -ge 9 ] && [ "$secs" -lt 20 ]' "default max-await-secs is 10 (${secs}s)"

# A daemon that hangs and ignores SIGTERM: -t 2, then SIGKILL 5 s later.
t 1 -t 2 "$work/hang"
has "FAIL hang: timed out after 2s; sent SIGTERM (SIGKILL after 5s)"
check '[ "$secs" -ge 6 ] && [ "$secs" -lt 15 ]' "hung daemon killed after 2+5s (${secs}s)"
dead "$work/hang/child.pid"

# after.yaml runs after the main process, with its own logs.
w=$work/after
t 0 "$w"
file_has "$w/after.out.log" "after-out"
file_has "$w/copy.txt" "main-output"
# and holds no descriptor the runner does not (e.g. its /dev/null stdin)
check '[ -f "$w/leaks.txt" ] && [ ! -s "$w/leaks.txt" ]' \
    "after.yaml's process inherits no stray descriptor: $(cat "$w/leaks.txt" 2>/dev/null)"

# cmd: tremor runs the shim, which maps server run onto wsflowd -d.
w=$work/cmd-tremor
t 0 "$w"
has "PASS cmd-tremor ("
file_has "$w/before/daemon.log" "argv: -d -p ../before.pid config.troy"
file_has "$w/before.err.0.log" "ignoring -n"
dead "$w/before.pid"

# stdin is a pipe that stays open (fed from the stdin file).
t 0 "$work/stdin"
has "PASS stdin ("

# Programs that cannot be run.
t 1 "$work/noexec"
has "FAIL noexec: before.yaml:1: process 0: exec /nonexistent/prog: No such file or directory"
out=$(WSFLOWD=/nonexistent/wsflowd "$ctl" test "$work/pass" 2>&1)
has "FAIL pass: exec /nonexistent/wsflowd: No such file or directory"

# Not a test directory; a missing directory.
t 1 "$work/nothing"
has "does not contain a runnable test"
t 1 "$work/missing"
has "wsflowctl: $work/missing: No such file or directory"
last "0 passed, 1 failed"

# Well-formed YAML of the wrong shape: file, line and what is wrong.
t 1 "$work/malformed-assert"
has 'FAIL malformed-assert: assert.yaml:5: asserts[1]: stdout: unknown assert key "contain"'
t 1 "$work/malformed-before"
has "FAIL malformed-before: before.yaml:2: process 1: args must be a list"

# Bad YAML fails its own test only; a report records everything.
w=$work/suite-bad
t 1 -o "$work/report.json" "$w"
has "PASS good ("
has "FAIL bad: $w/bad/assert.yaml:5:1: did not find expected ',' or ']'"
has "FAIL badtags: $w/badtags/tags.yaml:2:1: did not find expected ',' or ']'"
hasnt "notatest"
last "1 passed, 2 failed"
check "\"$python\" - \"$work/report.json\" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
r = {t['name']: t for t in d['tests']}
assert (d['passed'], d['failed'], d['skipped']) == (1, 2, 0), d
assert r['good']['result'] == 'pass' and r['good']['duration'] >= 0
assert r['bad']['result'] == 'fail' and 'assert.yaml:5:1' in r['bad']['reason']
assert r['badtags']['result'] == 'fail'
assert r['good']['tags'] == ['good', 'good']
PY" "report.json has names, results, durations, reasons, tags"
t 1 -o "$work/report2.json" "$work/contains"
check "\"$python\" -c 'import json,sys; t=json.load(open(sys.argv[1]))[\"tests\"][0]; sys.exit(0 if t[\"failed_asserts\"]==[\"stdout does not contain \\\"missing thing\\\"\", \"stdout contains \\\"boom\\\" (line 2)\"] else 1)' \"$work/report2.json\"" \
    "report.json lists the failed asserts"

# Tag filtering (include wins; basename and base tags count).
w=$work/suite-tags
t 0 "$w"
last "4 passed, 0 failed"
hasnt "skipped"
t 0 -i fast "$w"
has "PASS t1 ("
has "PASS t3 ("
hasnt "PASS t2"
has "2 skipped"
last "2 passed, 0 failed"
t 0 -e net "$w"
hasnt "PASS t3"
has "PASS nested/t4 ("
last "3 passed, 0 failed"
t 0 -i net -e fast "$w"
has "PASS t3 ("
has "3 skipped"
last "1 passed, 0 failed"
t 0 -i t2 "$w"
last "1 passed, 0 failed"
t 0 -i deep "$w"
has "PASS nested/t4 ("
last "1 passed, 0 failed"
t 0 -i suite "$w"
last "4 passed, 0 failed"
t 0 -v -e fast "$w"
has "SKIP t1"

# Several directories in one run.
t 1 "$work/pass" "$work/status"
last "1 passed, 1 failed"

# wsflowd is found next to wsflowctl; a relative $WSFLOWD works.
mkdir -p "$work/bin"
cp "$ctl" "$work/bin/wsflowctl"
cp "$work/faked.sh" "$work/bin/wsflowd"
out=$(unset WSFLOWD; "$work/bin/wsflowctl" test "$work/pass" 2>&1)
has "PASS pass ("
out=$(cd "$work" && WSFLOWD=./faked.sh "$ctl" test pass 2>&1)
has "PASS pass ("

# $TREMOR_BIN runs instead of wsflowd, the way Tremor does.
w=$work/tremorbin
out=$(TREMOR_BIN=$work/faketremor.sh "$ctl" test "$w" 2>&1)
has "PASS tremorbin ("
file_has "$w/tremor.log" "argv: server run -n --debug-connectors $w/config.troy"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
