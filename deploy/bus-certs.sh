#!/bin/sh
# Makes the certificates of Mesh's event-bus TLS (MESH_BUS_TLS_KEY, MESH_BUS_TLS_CERT, MESH_BUS_TLS_CA):
# a CA that signs Mesh nodes and nothing else, and one EC P-256 key and certificate per node, signed by it.
#
#   deploy/bus-certs.sh [--owner UID:GID] <dir> <node-name>...
#
# <dir>/ca.pem is what every node trusts (MESH_BUS_TLS_CA); <dir>/<node-name>.key and .pem are one node's
# MESH_BUS_TLS_KEY and MESH_BUS_TLS_CERT. An existing CA is reused (so nodes can be added later), existing node
# files are kept. Keep <dir>/ca.key offline once every node has its certificate: whoever holds it can join the bus.
# --owner hands the node keys to that user (the services' containers run as 10001:10001). Needs openssl.
set -eu

owner=""
if [ "${1:-}" = "--owner" ]; then
  owner=$2
  shift 2
fi
if [ $# -lt 2 ]; then
  echo "usage: $0 [--owner UID:GID] <dir> <node-name>..." >&2
  exit 2
fi
dir=$1
shift
mkdir -p "$dir"
umask 077

if [ ! -f "$dir/ca.key" ]; then
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$dir/ca.key"
  openssl req -x509 -new -key "$dir/ca.key" -sha256 -days 3650 -subj "/CN=mesh-bus-ca" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -out "$dir/ca.pem"
fi

for node in "$@"; do
  case "$node" in
    *[!A-Za-z0-9._-]*|"") echo "bad node name: $node" >&2; exit 2 ;;
  esac
  if [ -f "$dir/$node.key" ] && [ -f "$dir/$node.pem" ]; then
    continue
  fi
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$dir/$node.key"
  openssl req -new -key "$dir/$node.key" -subj "/CN=$node" -out "$dir/$node.csr"
  printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=DNS:%s\n' \
    "$node" > "$dir/$node.ext"
  openssl x509 -req -in "$dir/$node.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial -sha256 \
    -days 825 -extfile "$dir/$node.ext" -out "$dir/$node.pem"
  rm -f "$dir/$node.csr" "$dir/$node.ext"
done

chmod 644 "$dir/ca.pem" "$dir"/*.pem
chmod 600 "$dir"/*.key
if [ -n "$owner" ]; then
  for node in "$@"; do
    chown "$owner" "$dir/$node.key" "$dir/$node.pem"
  done
fi
echo "bus certificates in $dir: ca.pem, $*"
