#!/usr/bin/env bash
# S3 gateway against FragMint REST, on one ./stoq dev node, in one run, same bytes: PUT and GET of
# one object of SIZE_MIB (1024) random bytes, through
#   rest     curl -X POST -T / curl -o  (one HTTP/1.1 request each way, streamed from and to disk)
#   s3       aws s3api put-object / get-object (one SigV4-signed request each way)
#   s3-cp    aws s3 cp both ways (aws-cli's default: 8 MiB multipart upload, parallel ranged GETs)
# ROUNDS (env, default 2) alternating rounds; prints one table row per round and path, with the load average at the
# start of each transfer and the node's CPU-seconds per GiB moved (user + system, from /proc; steadier than MiB/s on a
# machine whose disk flushes 1 GiB at its own pace), and the S3/REST ratios of the last round.
#
#   bench/s3-vs-rest.sh [SIZE_MIB (1024)] [WORK_DIR (/tmp/stoq-s3-bench)]
#
# Needs curl and aws-cli (apt-get install -y awscli); nothing in the build or CI depends on this.
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)"
mib="${1:-1024}"
work="${2:-/tmp/stoq-s3-bench}"
stoq="$root/stoq"
command -v aws >/dev/null || { echo "aws-cli is not installed (apt-get install -y awscli)" >&2; exit 2; }

rm -rf "$work"; mkdir -p "$work"
head -c "$((mib << 20))" /dev/urandom > "$work/object.bin"
bytes=$((mib << 20))

STOQ_SKIP_BUILD=${STOQ_SKIP_BUILD:-} "$stoq" dev --data "$work/node" --port 0 -D store.min-free=0B >"$work/node.out" 2>"$work/node.err" &
node_pid=$!
trap 'kill $node_pid 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do url=$(grep -m1 -E '^http://127\.0\.0\.1:[0-9]+$' "$work/node.out" || true); [ -n "$url" ] && break; sleep 0.2; done
[ -n "$url" ] || { echo "the node did not start; see $work/node.err" >&2; exit 1; }
s3=$(sed -n 's/^S3 endpoint: //p' "$work/node.out")
key=$(cat "$work/node/dev-admin.key")
set -a; . "$work/node/dev-s3.env"; set +a
export AWS_EC2_METADATA_DISABLED=true
awsx() { aws --endpoint-url "$s3" "$@"; }
awsx s3 mb s3://bench >/dev/null

now() { date +%s.%N; }
load() { cut -d' ' -f1 /proc/loadavg; }
mbs() { awk -v b="$1" -v a="$2" -v z="$3" 'BEGIN { printf "%.1f", b / 1048576 / (z - a) }'; }
hz=$(getconf CLK_TCK)
cpu() { awk '{ print $14 + $15 }' "/proc/$node_pid/stat"; }
cps() { awk -v b="$1" -v a="$2" -v z="$3" -v hz="$hz" 'BEGIN { printf "%.2f", (z - a) / hz / (b / 1073741824) }'; }

printf '| round | path | load | PUT MiB/s | GET MiB/s | node CPU-s/GiB PUT | GET |\n|---|---|---|---|---|---|---|\n'
for round in $(seq 1 "${ROUNDS:-2}"); do
  l=$(load); c0=$(cpu); t0=$(now)
  id=$(curl -sf -H "Authorization: Bearer $key" -H "Content-Type: application/octet-stream" -X POST -T "$work/object.bin" \
    "$url/v1/assets" | sed -n 's/.*"id" *: *"\([0-9a-f]*\)".*/\1/p')
  t1=$(now); c1=$(cpu)
  curl -sf -H "Authorization: Bearer $key" -o "$work/rest.out" "$url/v1/assets/$id/content"; t2=$(now); c2=$(cpu)
  cmp -s "$work/object.bin" "$work/rest.out" || { echo "REST download differs" >&2; exit 1; }
  rest_put=$(mbs "$bytes" "$t0" "$t1"); rest_get=$(mbs "$bytes" "$t1" "$t2")
  printf '| %d | rest | %s | %s | %s | %s | %s |\n' "$round" "$l" "$rest_put" "$rest_get" "$(cps "$bytes" "$c0" "$c1")" "$(cps "$bytes" "$c1" "$c2")"

  l=$(load); c0=$(cpu); t0=$(now)
  awsx s3api put-object --bucket bench --key "single-$round" --body "$work/object.bin" >/dev/null; t1=$(now); c1=$(cpu)
  awsx s3api get-object --bucket bench --key "single-$round" "$work/s3.out" >/dev/null; t2=$(now); c2=$(cpu)
  cmp -s "$work/object.bin" "$work/s3.out" || { echo "S3 download differs" >&2; exit 1; }
  s3_put=$(mbs "$bytes" "$t0" "$t1"); s3_get=$(mbs "$bytes" "$t1" "$t2")
  printf '| %d | s3 | %s | %s | %s | %s | %s |\n' "$round" "$l" "$s3_put" "$s3_get" "$(cps "$bytes" "$c0" "$c1")" "$(cps "$bytes" "$c1" "$c2")"

  l=$(load); c0=$(cpu); t0=$(now)
  awsx s3 cp --only-show-errors "$work/object.bin" "s3://bench/cp-$round" ; t1=$(now); c1=$(cpu)
  awsx s3 cp --only-show-errors "s3://bench/cp-$round" "$work/cp.out"; t2=$(now); c2=$(cpu)
  cmp -s "$work/object.bin" "$work/cp.out" || { echo "aws s3 cp download differs" >&2; exit 1; }
  cp_put=$(mbs "$bytes" "$t0" "$t1"); cp_get=$(mbs "$bytes" "$t1" "$t2")
  printf '| %d | s3-cp | %s | %s | %s | %s | %s |\n' "$round" "$l" "$cp_put" "$cp_get" "$(cps "$bytes" "$c0" "$c1")" "$(cps "$bytes" "$c1" "$c2")"
  rm -f "$work/rest.out" "$work/s3.out" "$work/cp.out"
done
awk -v a="$s3_put" -v b="$rest_put" -v c="$s3_get" -v d="$rest_get" -v e="$cp_put" -v f="$cp_get" 'BEGIN {
  printf "\nlast round, S3 / REST: PUT %.2f, GET %.2f; aws s3 cp / REST: PUT %.2f, GET %.2f\n", a / b, c / d, e / b, f / d }'
