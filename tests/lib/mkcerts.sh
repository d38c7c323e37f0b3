#!/bin/sh
# Make a test PKI in DIR with the openssl CLI: an EC P-256 CA, a server certificate for localhost and
# 127.0.0.1, a client certificate (leaf + CA chain, SEC1 key, like k3s.yaml), and an unrelated second CA for
# "unknown CA" tests. Test-time only; nothing here is ever committed.
set -eu
dir=$1
mkdir -p "$dir"
cd "$dir"
days=30
ossl() { openssl "$@" 2>/dev/null; }
ca() { # name cn
	ossl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$1.key" -out "$1.crt" \
		-days $days -subj "/CN=$2" -addext basicConstraints=critical,CA:TRUE \
		-addext keyUsage=critical,keyCertSign,cRLSign
}
leaf() { # name ca subject extfile-lines
	ossl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$1.pkcs8" -out "$1.csr" -subj "$3"
	ossl ec -in "$1.pkcs8" -out "$1.key"   # SEC1 "BEGIN EC PRIVATE KEY", as k3s writes keys
	printf '%b' "$4" > "$1.ext"
	ossl x509 -req -in "$1.csr" -CA "$2.crt" -CAkey "$2.key" -CAcreateserial -out "$1.crt" -days $days \
		-extfile "$1.ext"
	rm -f "$1.csr" "$1.ext"
}
ca ca "pinion-test-ca"
ca other-ca "pinion-other-ca"
leaf server ca "/CN=localhost" \
	'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n'
leaf client ca "/O=system:masters/CN=system:admin" \
	'extendedKeyUsage=clientAuth\nbasicConstraints=CA:FALSE\n'
cat client.crt ca.crt > client-chain.crt
# a server certificate valid only for another name
leaf wrongname ca "/CN=elsewhere.test" \
	'subjectAltName=DNS:elsewhere.test\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n'
