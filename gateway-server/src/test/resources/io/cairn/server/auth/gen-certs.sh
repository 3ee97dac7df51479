#!/bin/sh
# Regenerates the test certificates (valid 100 years): a CA, a server cert for localhost/127.0.0.1, a client cert
# signed by the CA, and a second CA with its own client (must be refused). Keys are PKCS#8 (openssl 3 default).
set -e
cd "$(dirname "$0")"
days=36500
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days $days -subj "/CN=Cairn Test CA" 2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -keyout other-ca.key -out other-ca.pem -days $days -subj "/CN=Other CA" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj "/CN=localhost" 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' > server.ext
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days $days -extfile server.ext 2>/dev/null
for c in client:ca other-client:other-ca; do
  name=${c%%:*}; ca=${c##*:}
  openssl req -newkey rsa:2048 -nodes -keyout $name.key -out $name.csr -subj "/CN=$name" 2>/dev/null
  printf 'extendedKeyUsage=clientAuth\n' > client.ext
  openssl x509 -req -in $name.csr -CA $ca.pem -CAkey $ca.key -CAcreateserial -out $name.pem -days $days -extfile client.ext 2>/dev/null
done
rm -f *.csr *.ext *.srl ca.key other-ca.key
# the other key formats Go's tls.X509KeyPair reads: PKCS#1 RSA and SEC 1 EC
openssl rsa -in server.key -traditional -out server-pkcs1.key 2>/dev/null
openssl ecparam -name prime256v1 -genkey -noout -out ec.key
openssl req -x509 -key ec.key -out ec.pem -days $days -subj "/CN=localhost" \
  -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" 2>/dev/null
