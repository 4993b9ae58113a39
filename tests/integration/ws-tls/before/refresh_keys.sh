#!/bin/sh
# SPDX-License-Identifier: ISC
# Make a self-signed certificate for localhost (RSA 2048, PKCS#8 key),
# valid for the DNS name localhost and the loopback addresses.
set -eu
cd "$(dirname "$0")"
openssl req -x509 -newkey rsa:2048 -nodes -days 30 \
    -keyout localhost.key -out localhost.cert \
    -subj "/CN=localhost" \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1" 2>/dev/null
