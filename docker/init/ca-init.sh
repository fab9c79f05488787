#!/bin/sh
# One-shot set-up of the compose network (service ca-init; see docs/operations.md). Idempotent:
# run it again and it only does what is missing, re-signs the CRL and renews certificates that
# expire within STOQ_INIT_RENEW_DAYS.
#
#   /var/lib/stoq/ca            the CA (private keys inside): only this service mounts it
#   /var/lib/stoq/ca-public     root.crt.pem and crl.pem, mounted read-only into every node
#   /var/lib/stoq/nodes/ID      each node's data volume: keys and certificate in node/, the
#                               network's operator key in accounts/, the founders in founders/,
#                               on the first node the first admin's API key in network/admin.key
#   /var/lib/stoq/ca/network    what `stoq network init` made once: operator key, admin.key
#
# STOQ_INIT_NODES lists "id:zone" pairs; the first is the node that creates the ledger (its
# founders/ holds the other voters' certificates so they may lead from the start).
set -eu

root="${STOQ_INIT_ROOT:-/var/lib/stoq}"   # overridable to try the script outside a container
ca="$root/ca"
public="$root/ca-public"
nodes_dir="$root/nodes"
nodes="${STOQ_INIT_NODES:?set STOQ_INIT_NODES to id:zone pairs, e.g. node-1:zone-1 node-2:zone-2}"
network="${STOQ_INIT_NETWORK:-stoq}"
days="${STOQ_INIT_CERT_DAYS:-30}"
renew_days="${STOQ_INIT_RENEW_DAYS:-14}"
stoq="${STOQ:-stoq}"
first=""

if [ ! -f "$ca/ca.properties" ]; then
  # Unencrypted CA keys unless passphrase files are mounted (see docs/operations.md, "Production").
  set -- --ca-dir "$ca" --network "$network"
  [ -n "${STOQ_INIT_ROOT_PASSPHRASE_FILE:-}" ] && set -- "$@" --root-passphrase-file "$STOQ_INIT_ROOT_PASSPHRASE_FILE"
  [ -n "${STOQ_INIT_PASSPHRASE_FILE:-}" ] && set -- "$@" --passphrase-file "$STOQ_INIT_PASSPHRASE_FILE"
  $stoq ca init "$@"
fi
pass=""
[ -n "${STOQ_INIT_PASSPHRASE_FILE:-}" ] && pass="--passphrase-file $STOQ_INIT_PASSPHRASE_FILE"

# Once per network (`stoq network init`, which refuses a second run): the operator key (custodial
# admin of the ledger), copied into every node's accounts/ before its first start and never
# replaced, and the first admin's API key, which the first node turns into the network's admin
# account (network.admin-key-file). A CA made by an earlier ca-init kept its key in $ca/operator.
if [ -f "$ca/operator/operator.key.pem" ]; then
  operator="$ca/operator"
else
  if [ ! -f "$ca/network/network.properties" ]; then
    $stoq network init --out "$ca/network" --network "$network" --root "$ca/root.crt.pem"
  fi
  operator="$ca/network/operator"
fi

for entry in $nodes; do
  id="${entry%%:*}"
  zone="${entry#*:}"
  [ -n "$first" ] || first="$id"
  dir="$nodes_dir/$id"
  mkdir -p "$dir"
  if [ ! -d "$dir/node" ]; then
    $stoq node keygen --out "$dir/node"
  fi
  cert="$dir/node/node.crt.pem"
  # Issue when missing, or renew when it would no longer verify in $renew_days days.
  if [ ! -f "$cert" ] || ! $stoq cert verify --cert "$cert" --root "$ca/root.crt.pem" --no-crl \
        --at "$(date -u -d "+$renew_days days" +%Y-%m-%dT%H:%M:%SZ)" >/dev/null 2>&1; then
    rm -f "$dir/node/node.csr.pem" "$cert.new"
    $stoq node csr --keys "$dir/node" --node-id "$id" --zone "$zone" --roles storage,voter,gateway
    # shellcheck disable=SC2086
    $stoq ca issue --ca-dir "$ca" --csr "$dir/node/node.csr.pem" --out "$cert.new" --days "$days" $pass
    mv "$cert.new" "$cert"
    echo "ca-init: $id ($zone) certified for $days days; restart it if it runs"
  fi
  if [ ! -f "$dir/accounts/operator.key.pem" ]; then
    mkdir -p "$dir/accounts"
    chmod 700 "$dir/accounts"
    cp -p "$operator/operator.key.pem" "$operator/operator.pub.pem" "$dir/accounts/"
  fi
  if [ "$id" = "$first" ] && [ -f "$ca/network/admin.key" ] && [ ! -f "$dir/network/admin.key" ]; then
    mkdir -p "$dir/network"
    chmod 700 "$dir/network"
    cp -p "$ca/network/admin.key" "$dir/network/admin.key"   # the admin's key on network/admin.key: network.admin-key-file
  fi
  if [ "$id" != "$first" ]; then
    mkdir -p "$nodes_dir/$first/founders"
    cp "$cert" "$nodes_dir/$first/founders/$id.pem"
    # its ML-KEM key beside it: the first key epoch is sealed to every founder that has one
    cp "$dir/node/kem.pub.pem" "$nodes_dir/$first/founders/$id.kem.pub.pem"
  fi
done

# shellcheck disable=SC2086
$stoq ca crl --ca-dir "$ca" $pass
mkdir -p "$public"
for f in root.crt.pem crl.pem; do
  cp "$ca/$f" "$public/.$f.tmp" && mv "$public/.$f.tmp" "$public/$f"   # nodes re-read crl.pem on change
done

# This service runs as root so it can write into fresh volumes; the nodes run as user stoq.
if [ "$(id -u)" = 0 ] && id stoq >/dev/null 2>&1; then
  chown -R stoq:stoq "$ca" "$public" "$nodes_dir"
fi
echo "ca-init: done ($(echo $nodes | wc -w) nodes)"
