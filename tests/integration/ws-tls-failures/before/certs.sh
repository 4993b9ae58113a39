#!/bin/sh
# SPDX-License-Identifier: ISC
# good: self-signed for localhost and 127.0.0.1; other: an unrelated CA;
# expired: valid for localhost but only during 2020-01-01.
set -eu
cd "$(dirname "$0")"
rm -f ./*.cert ./*.key ./*.csr index.txt* serial* ./*.pem
san="subjectAltName=DNS:localhost,IP:127.0.0.1"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -keyout good.key \
    -out good.cert -subj /CN=localhost -addext "$san" 2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -keyout other.key \
    -out other.cert -subj /CN=localhost -addext "$san" 2>/dev/null
cat > ca.cnf <<'END'
[ca]
default_ca = my
[my]
database = index.txt
new_certs_dir = .
serial = serial
default_md = sha256
policy = pol
copy_extensions = copy
[pol]
commonName = supplied
END
: > index.txt
echo 01 > serial
openssl req -new -newkey rsa:2048 -nodes -keyout expired.key \
    -out expired.csr -subj /CN=localhost -addext "$san" 2>/dev/null
openssl ca -batch -config ca.cnf -selfsign -keyfile expired.key \
    -in expired.csr -out expired.cert -startdate 20200101000000Z \
    -enddate 20200102000000Z >/dev/null 2>&1
