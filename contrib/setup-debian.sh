#!/bin/sh
# SPDX-License-Identifier: ISC
# Install what wsflow needs to build and test on Debian (bookworm or later)
# and create the unprivileged _wsflow user the way a package would.
# Idempotent and non-interactive; run as root.
set -eu

PKGS="build-essential autoconf automake pkg-config
libevent-dev libssl-dev libjson-c-dev libbsd-dev libyaml-dev zlib1g-dev
openssl mandoc valgrind clang libclang-rt-14-dev
python3-websockets python3-wsproto python3-prometheus-client node-ws nodejs
procps iproute2 haproxy nginx tinyproxy chromium libnss3-tools
debhelper dh-autoreconf"

if [ "$(id -u)" -ne 0 ]; then
	echo "setup-debian.sh: run as root (or with sudo)" >&2
	exit 1
fi

missing=
for p in $PKGS; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$st" in
	*"install ok installed"*) ;;
	*) missing="$missing $p" ;;
	esac
done
if [ -n "$missing" ]; then
	echo "setup-debian.sh: installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

user=${WSFLOW_USER:-_wsflow}
if ! getent passwd "$user" >/dev/null; then
	useradd --system --no-create-home --home-dir /nonexistent \
	    --shell /usr/sbin/nologin --user-group "$user"
	echo "setup-debian.sh: created user $user"
fi
mkdir -p /run/wsflow/empty
chmod 755 /run/wsflow/empty
