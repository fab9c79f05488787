#!/usr/bin/env bash
# Side by side, on one machine, in one run: restic (backup / restore to a local repository) against
# a ./stoq dev node (curl uploads / downloads over HTTP/1.1 on loopback), on the same generated
# corpus (stoq bench node's: 40% random, 40% text, 20% near-duplicate copies). Two alternating
# rounds; prints one table row per round and tool, with the load average at the start of each run.
#
#   bench/restic-vs-node.sh [CORPUS_MIB (1024)] [WORK_DIR (/tmp/stoq-vs-restic)] [PARALLEL_CURLS (1)]
#
# Needs restic (apt-get install restic) and curl; nothing in the build or CI depends on this.
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)"
mib="${1:-1024}"
work="${2:-/tmp/stoq-vs-restic}"
par="${3:-1}"
stoq="$root/stoq"
command -v restic >/dev/null || { echo "restic is not installed (apt-get install -y restic)" >&2; exit 2; }

rm -rf "$work"; mkdir -p "$work"
"$stoq" bench node --corpus-mib "$mib" --file-mib 32 --write-corpus "$work/corpus" >/dev/null
corpus_bytes=$(du -sb "$work/corpus" | cut -f1)
export RESTIC_PASSWORD=bench RESTIC_REPOSITORY="$work/restic"

# the node: a dev node in its own process, data on the same disk
STOQ_SKIP_BUILD=1 "$stoq" dev --data "$work/node" --port 0 -D store.min-free=0B >"$work/node.out" 2>"$work/node.err" &
node_pid=$!
trap 'kill $node_pid 2>/dev/null || true' EXIT
for _ in $(seq 1 300); do url=$(grep -m1 -E '^http://127\.0\.0\.1:[0-9]+$' "$work/node.out" || true); [ -n "$url" ] && break; sleep 0.2; done
[ -n "$url" ] || { echo "the node did not start; see $work/node.err" >&2; exit 1; }
key=$(cat "$work/node/dev-admin.key")

now() { date +%s.%N; }
load() { cut -d' ' -f1 /proc/loadavg; }
mbs() { awk -v b="$1" -v a="$2" -v z="$3" 'BEGIN { printf "%.1f", b / 1048576 / (z - a) }'; }

printf '| round | tool | load | ingest MiB/s | restore/download MiB/s | stored MiB |\n|---|---|---|---|---|---|\n'
for round in 1 2; do
  # restic: a fresh repository each round (a second backup into the same one would skip every file)
  rm -rf "$work/restic"; restic init -q
  l=$(load); t0=$(now)
  restic backup -q "$work/corpus" >/dev/null
  t1=$(now)
  rm -rf "$work/restore"; restic restore -q latest --target "$work/restore" >/dev/null
  t2=$(now)
  stored=$(du -sb "$work/restic" | cut -f1)
  echo "| $round | restic $(restic version | cut -d' ' -f2) | $l | $(mbs "$corpus_bytes" "$t0" "$t1") | $(mbs "$corpus_bytes" "$t1" "$t2") | $((stored / 1048576)) |"

  # the node
  l=$(load); before=$(du -sb "$work/node/shards" | cut -f1); t0=$(now)
  ls "$work"/corpus/*.dat | xargs -P "$par" -I{} sh -c \
    'curl -sS -f -X POST -T "$1" -H "Authorization: Bearer '"$key"'" -H "Content-Type: application/octet-stream" "'"$url"'/v1/assets" | sed -E "s/.*\"id\":\"([0-9a-f]{64})\".*/\1/"; echo' _ {} \
    > "$work/ids.$round"
  t1=$(now)
  grep -E '^[0-9a-f]{64}$' "$work/ids.$round" \
    | xargs -P "$par" -I{} curl -sS -f -o /dev/null -H "Authorization: Bearer $key" "$url/v1/assets/{}/content"
  t2=$(now)
  after=$(du -sb "$work/node/shards" | cut -f1)
  echo "| $round | stoq node (curl x$par) | $l | $(mbs "$corpus_bytes" "$t0" "$t1") | $(mbs "$corpus_bytes" "$t1" "$t2") | $(((after - before) / 1048576)) |"
done
