#!/bin/sh
# SPDX-License-Identifier: ISC
# A real browser against ws_server with "compression": true: Debian's
# headless Chromium loads a page from a small python3 HTTP server on
# loopback; its JavaScript opens ws://127.0.0.1:PORT and wss://localhost:PORT
# (the test CA trusted through an NSS database made with certutil, the
# store Chromium reads on Linux; no certificate errors are ignored), sends
# text (non-ASCII too), 1 MiB messages (one that deflates well, one that
# does not) and 1,000 small ones at once, checks every echo, and posts
# what it saw to the HTTP server.  The echo flow returns each event with
# $ws_server, whose request headers show the offer Chromium made; wsflowd's
# stats show how many connections agreed on permessage-deflate.
# Skipped (77) without chromium or certutil (libnss3-tools).
# Last line: "N passed, N failed".
set -u
src=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
bld=${top_builddir:-$src/build}
# shellcheck source=tests/peers/peerlib.sh
. "$src/tests/peers/peerlib.sh"
chromium=${CHROMIUM:-chromium}

if ! command -v "$chromium" >/dev/null || ! command -v certutil >/dev/null ||
    ! command -v openssl >/dev/null; then
	echo "chromium, certutil (libnss3-tools) or openssl missing: skipped"
	exit 77
fi
peer_workdir chromium

base=${WSFLOW_CHROMIUM_PORT:-14580}
P_WS=$((base + 1))
P_WSS=$((base + 2))
P_HTTP=$((base + 3))

# A test CA and a localhost certificate it signs; the CA goes into the
# NSS database of a private HOME.
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -keyout ca.key \
    -out ca.pem -subj "/CN=wsflow test CA" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null &&
openssl req -newkey rsa:2048 -nodes -keyout key.pem -out srv.csr \
    -subj /CN=localhost 2>/dev/null &&
printf '%s\n' "basicConstraints=CA:FALSE" \
    "keyUsage=critical,digitalSignature,keyEncipherment" \
    "extendedKeyUsage=serverAuth" \
    "subjectAltName=DNS:localhost,IP:127.0.0.1" > srv.ext &&
openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
    -days 2 -extfile srv.ext -out cert.pem 2>/dev/null ||
	{ echo "openssl failed"; exit 99; }
chmod 644 key.pem cert.pem
HOME=$work/home
export HOME
mkdir -p "$HOME/.pki/nssdb"
if ! certutil -d "sql:$HOME/.pki/nssdb" -N --empty-password ||
    ! certutil -d "sql:$HOME/.pki/nssdb" -A -t "C,," -n "wsflow test CA" \
    -i ca.pem; then
	echo "certutil failed"
	exit 99
fi

# ---------------------------------------------------------------- wsflowd
# request_headers: the offer as wsflowd saw it, and the browser
meta_echo_flow $P_WS $P_WSS '"compression": true,
    "request_headers": ["sec-websocket-extensions", "user-agent"]'
"$wsflowd" -d -s "$work/ctl.sock" server.troy > server.out 2> server.err &
pids="$pids $!"
wait_for "listening $P_WS && listening $P_WSS" ||
	{ nok "ws_server did not listen: $(tail -3 server.err)"; exit 1; }

# ---------------------------------------------------------------- the page
cat > index.html <<EOF
<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>wsflow</title></head><body>
<script>
"use strict";
const urls = ["ws://127.0.0.1:$P_WS/chat?x=1", "wss://localhost:$P_WSS/"];
EOF
cat >> index.html <<'EOF'
// run(url): open, send the messages, check the echoes in order, close.
function run(url) {
  return new Promise((resolve) => {
    const r = {url: url, echoes: 0};
    const msgs = [{text: "hello"}, {text: "grüße, 日本語, \u{1f600}"}];
    msgs.push({big: "wsflow compresses JSON event streams. ".repeat(28000)});
    const rnd = new Uint8Array(786432);
    let bin = "";
    for (let i = 0; i < rnd.length; i += 65536) {
      crypto.getRandomValues(rnd.subarray(i, i + 65536));
      bin += String.fromCharCode.apply(null, rnd.subarray(i, i + 65536));
    }
    msgs.push({noise: btoa(bin)});
    for (let i = 0; i < 1000; i++)
      msgs.push({seq: i, host: "web-" + (i % 7), status: 200});
    const ws = new WebSocket(url);
    const done = (why) => {
      r.result = why;
      resolve(r);
    };
    const timer = setTimeout(() => done("timeout"), 60000);
    ws.onopen = () => {
      r.extensions = ws.extensions;
      for (const m of msgs)
        ws.send(JSON.stringify(m));
    };
    ws.onmessage = (e) => {
      const got = JSON.parse(e.data);
      if (JSON.stringify(got.event) !== JSON.stringify(msgs[r.echoes])) {
        clearTimeout(timer);
        done("mismatch at " + r.echoes + ": " + e.data.slice(0, 200));
        ws.close();
        return;
      }
      if (r.echoes === 0)
        r.request = got.meta.request;
      if (++r.echoes === msgs.length) {
        r.sizes = msgs.map((m) => JSON.stringify(m).length).slice(0, 4);
        ws.close(1000);
      }
    };
    ws.onclose = (e) => {
      clearTimeout(timer);
      r.close = e.code;
      done(r.echoes === msgs.length ? "ok" : "closed early");
    };
  });
}
(async () => {
  const out = [];
  for (const u of urls)
    out.push(await run(u));
  await fetch("/result", {method: "POST", body: JSON.stringify(out)});
})();
</script></body></html>
EOF

# The HTTP server: the page, and /result written to result.json.
cat > httpd.py <<'EOF'
import http.server, os, sys
class H(http.server.SimpleHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        with open("result.tmp", "wb") as f:
            f.write(body)
        os.rename("result.tmp", "result.json")
        self.send_response(204)
        self.end_headers()
    def log_message(self, *a):
        pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
EOF
$py httpd.py $P_HTTP > http.out 2>&1 &
pids="$pids $!"
wait_for "listening $P_HTTP" || { nok "http server did not listen"; exit 1; }

# ---------------------------------------------------------------- Chromium
# --no-sandbox: Chromium's sandbox refuses to run as root;
# --disable-dev-shm-usage: containers often have a small /dev/shm.
"$chromium" --headless --no-sandbox --disable-gpu --no-first-run \
    --disable-dev-shm-usage \
    --user-data-dir="$work/profile" --disable-extensions \
    --disable-background-networking --disable-component-update \
    "http://127.0.0.1:$P_HTTP/index.html" > chromium.out 2> chromium.err &
chrome=$!
pids="$pids $chrome"
# up to 120 s: a browser start on a loaded machine
for _ in $(seq 1200); do
	[ -f result.json ] && break
	kill -0 $chrome 2>/dev/null || break
	sleep 0.1
done
if [ ! -f result.json ]; then
	nok "no result from Chromium: $(grep -v '^\[' chromium.err | tail -5)"
	echo "$pass passed, $fail failed"
	exit 1
fi
kill $chrome 2>/dev/null
wait $chrome 2>/dev/null

# One line per connection: result, echoes, the answer Chromium saw, the
# offer wsflowd saw, the browser.
$py - > result.txt <<'EOF'
import json
for r in json.load(open("result.json")):
    h = (r.get("request") or {}).get("headers", {})
    print("%s|%s|%s|%s|%s|%s|%s" % (r["url"], r["result"], r["echoes"],
        r.get("extensions", ""), h.get("sec-websocket-extensions", ""),
        h.get("user-agent", ""), r.get("sizes")))
EOF
browser=$(head -1 result.txt | cut -d"|" -f6)
case $browser in
*Chrome/*) ok "the browser: $browser" ;;
*) nok "not a Chrome user agent: $browser" ;;
esac
while IFS="|" read -r url res n ext offer _ sizes; do
	if [ "$res" = ok ] && [ "$n" -eq 1004 ]; then
		ok "$url: 1004 echoes in order (sizes $sizes ...)"
	else
		nok "$url: $res after $n echoes"
	fi
	case $offer in
	permessage-deflate*client_max_window_bits*)
		ok "$url: Chromium offered: $offer" ;;
	*) nok "$url: Chromium's offer as wsflowd saw it: $offer" ;;
	esac
	case $ext in
	permessage-deflate*) ok "$url: agreed, as Chromium saw it: $ext" ;;
	*) nok "$url: no permessage-deflate agreed: '$ext'" ;;
	esac
done < result.txt

# wsflowd's side: both connections compressed, their zlib memory freed
# once they are gone.
for c in plain secure; do
	if wait_for "[ \"\$(deflate_stats $c)\" = '1 0' ]"; then
		ok "wsflowd stats, $c: 1 connection with permessage-deflate, zlib memory back to 0"
	else
		nok "wsflowd stats, $c (connections, zlib memory): $(deflate_stats $c)"
	fi
done

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
