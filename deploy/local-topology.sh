#!/usr/bin/env bash
# Armada's whole shape on loopback: a leader cluster, a follower cluster (another "location")
# and the replicator that feeds it.
#   deploy/local-topology.sh start [L] [F]   L leader nodes (default 1), F follower nodes (default 1)
#   deploy/local-topology.sh stop            stop everything this script started
#   deploy/local-topology.sh status          PIDs and addresses
#   deploy/local-topology.sh stop-replicator | start-replicator   (to let the follower fall behind)
# Leader node i: API 127.0.0.1:(8443+10*(i-1)), REST 8079+10*(i-1), Raft 5012+(i-1), QUIC 8444+10*(i-1).
# Follower node i: API 127.0.0.1:(9443+10*(i-1)), REST 9079+10*(i-1), Raft 6012+(i-1).
# Replicator: REST 127.0.0.1:8069 (its default 8089 is leader node 2's REST port here).
# Data and logs go to $ARMADA_TOPOLOGY_DIR (default ./armada-topology). The leader uses its
# generated development certificate, so the replicator runs with insecure-skip-verify.
# Extra flags: ARMADA_LEADER_FLAGS, ARMADA_FOLLOWER_FLAGS, ARMADA_REPLICATOR_FLAGS (space-separated).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="${ARMADA_TOPOLOGY_DIR:-$PWD/armada-topology}"

members() {
  local n=$1 base=$2 out="" i
  for ((i = 1; i <= n; i++)); do out+="${out:+,}$i=127.0.0.1:$((base + i - 1))"; done
  echo "$out"
}

list() {
  local n=$1 prefix=$2 base=$3 out="" i
  for ((i = 1; i <= n; i++)); do out+="${out:+,}${prefix}127.0.0.1:$((base + 10 * (i - 1)))"; done
  echo "$out"
}

wait_for() {
  local dir=$1 pattern=$2 deadline=$((SECONDS + 120))
  while ((SECONDS < deadline)); do
    if ! kill -0 "$(cat "$dir/pid")" 2>/dev/null; then
      echo "process in $dir exited; its log:" >&2
      tail -n 20 "$dir"/*.log >&2
      return 1
    fi
    grep -q "$pattern" "$dir"/*.log 2>/dev/null && return 0
    sleep 0.2
  done
  echo "process in $dir did not start within 120 s; see its log" >&2
  return 1
}

running() { [[ -f "$1/pid" ]] && kill -0 "$(cat "$1/pid")" 2>/dev/null; }

launch() {
  local dir=$1 log=$2; shift 2
  mkdir -p "$dir"
  if running "$dir"; then echo "$dir already running (pid $(cat "$dir/pid"))"; return; fi
  ARMADA_SKIP_BUILD=1 nohup "$ROOT/armada" "$@" >> "$dir/$log" 2>&1 &
  echo $! > "$dir/pid"
}

start() {
  local l=${1:-1} f=${2:-1} i
  "$ROOT/armada" version >/dev/null # build once up front
  mkdir -p "$DIR"
  echo "$l $f" > "$DIR/size"
  for ((i = 1; i <= l; i++)); do
    launch "$DIR/leader/n$i" node.log leader --raft.node-id="$i" --raft.initial-members="$(members "$l" 5012)" \
      --api.address="http://127.0.0.1:$((8443 + 10 * (i - 1)))" --rest.address="http://127.0.0.1:$((8079 + 10 * (i - 1)))" \
      --raft.address="127.0.0.1:$((5012 + i - 1))" --replication.address="127.0.0.1:$((8444 + 10 * (i - 1)))" \
      --raft.node-host-dir="$DIR/leader/n$i/raft" --raft.state-machine-dir="$DIR/leader/n$i/tables" \
      ${ARMADA_LEADER_FLAGS:-}
  done
  for ((i = 1; i <= f; i++)); do
    launch "$DIR/follower/n$i" node.log follower --raft.node-id="$i" --raft.initial-members="$(members "$f" 6012)" \
      --api.address="http://127.0.0.1:$((9443 + 10 * (i - 1)))" --rest.address="http://127.0.0.1:$((9079 + 10 * (i - 1)))" \
      --raft.address="127.0.0.1:$((6012 + i - 1))" --replication.leader-api-address="$(list "$l" http:// 8443)" \
      --raft.node-host-dir="$DIR/follower/n$i/raft" --raft.state-machine-dir="$DIR/follower/n$i/tables" \
      ${ARMADA_FOLLOWER_FLAGS:-}
  done
  for ((i = 1; i <= l; i++)); do wait_for "$DIR/leader/n$i" "serving the API"; done
  for ((i = 1; i <= f; i++)); do wait_for "$DIR/follower/n$i" "serving the API"; done
  start_replicator
  status
}

start_replicator() {
  local l f
  read -r l f < "$DIR/size"
  launch "$DIR/replicator" replicator.log replicator --replication.leader-address="$(list "$l" "" 8444)" \
    --replication.follower-address="$(list "$f" http:// 9443)" --replication.insecure-skip-verify=true \
    --rest.address=http://127.0.0.1:8069 \
    ${ARMADA_REPLICATOR_FLAGS:-}
  wait_for "$DIR/replicator" "replicating from"
}

stop_one() {
  local dir=$1 pid
  [[ -f "$dir/pid" ]] || return 0
  pid=$(cat "$dir/pid")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
  fi
  rm -f "$dir/pid"
}

stop() {
  local d
  stop_one "$DIR/replicator"
  for d in "$DIR"/follower/n* "$DIR"/leader/n*; do [[ -d "$d" ]] && stop_one "$d"; done
  echo "stopped"
}

status() {
  local l f i
  read -r l f < "$DIR/size" 2>/dev/null || { echo "not started"; return; }
  for ((i = 1; i <= l; i++)); do
    echo "leader $i: $(running "$DIR/leader/n$i" && echo up || echo down) api=127.0.0.1:$((8443 + 10 * (i - 1))) quic=127.0.0.1:$((8444 + 10 * (i - 1)))"
  done
  for ((i = 1; i <= f; i++)); do
    echo "follower $i: $(running "$DIR/follower/n$i" && echo up || echo down) api=127.0.0.1:$((9443 + 10 * (i - 1)))"
  done
  echo "replicator: $(running "$DIR/replicator" && echo up || echo down) rest=127.0.0.1:8069 log=$DIR/replicator/replicator.log"
}

case "${1:-}" in
  start) shift; start "$@" ;;
  start-replicator) start_replicator ;;
  stop-replicator) stop_one "$DIR/replicator"; echo "replicator stopped" ;;
  stop) stop ;;
  status) status ;;
  *) sed -n '2,13p' "${BASH_SOURCE[0]}"; exit 2 ;;
esac
