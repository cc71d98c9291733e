#!/usr/bin/env bash
# A leader cluster of N nodes on loopback, for trying Armada and for tests.
#   deploy/local-cluster.sh start [N]   start nodes 1..N (default 3), wait until each answers
#   deploy/local-cluster.sh stop        stop the nodes this script started (SIGTERM, then SIGKILL)
#   deploy/local-cluster.sh status      show each node's PID and addresses
# Node i listens on API 127.0.0.1:(8443+10*(i-1)), REST 8079+10*(i-1), Raft 5012+(i-1),
# replication (QUIC, UDP) 8444+10*(i-1).
# Data and logs go to $ARMADA_CLUSTER_DIR (default ./armada-cluster).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="${ARMADA_CLUSTER_DIR:-$PWD/armada-cluster}"

api_port() { echo $((8443 + 10 * ($1 - 1))); }
rest_port() { echo $((8079 + 10 * ($1 - 1))); }
raft_port() { echo $((5012 + $1 - 1)); }

members() {
  local n=$1 out="" i
  for ((i = 1; i <= n; i++)); do out+="${out:+,}$i=127.0.0.1:$(raft_port "$i")"; done
  echo "$out"
}

wait_ready() {
  local i=$1 deadline=$((SECONDS + 120))
  while ((SECONDS < deadline)); do
    if ! kill -0 "$(cat "$DIR/n$i/pid")" 2>/dev/null; then
      echo "node $i exited; see $DIR/n$i/node.log" >&2
      tail -n 20 "$DIR/n$i/node.log" >&2
      return 1
    fi
    if grep -q "serving the API" "$DIR/n$i/node.log" 2>/dev/null; then
      return 0
    fi
    sleep 0.2
  done
  echo "node $i did not start within 120 s; see $DIR/n$i/node.log" >&2
  return 1
}

start() {
  local n=${1:-3} i
  # build once up front, not three times in parallel
  "$ROOT/armada" version >/dev/null
  mkdir -p "$DIR"
  echo "$n" > "$DIR/size"
  for ((i = 1; i <= n; i++)); do
    mkdir -p "$DIR/n$i"
    if [[ -f "$DIR/n$i/pid" ]] && kill -0 "$(cat "$DIR/n$i/pid")" 2>/dev/null; then
      echo "node $i already running (pid $(cat "$DIR/n$i/pid"))"
      continue
    fi
    ARMADA_SKIP_BUILD=1 nohup "$ROOT/armada" leader \
      --raft.node-id="$i" \
      --raft.initial-members="$(members "$n")" \
      --api.address="http://127.0.0.1:$(api_port "$i")" \
      --rest.address="http://127.0.0.1:$(rest_port "$i")" \
      --raft.address="127.0.0.1:$(raft_port "$i")" \
      --raft.node-host-dir="$DIR/n$i/raft" \
      --raft.state-machine-dir="$DIR/n$i/tables" \
      --replication.address="127.0.0.1:$((8444 + 10 * (i - 1)))" \
      >> "$DIR/n$i/node.log" 2>&1 &
    echo $! > "$DIR/n$i/pid"
  done
  for ((i = 1; i <= n; i++)); do wait_ready "$i"; done
  status
}

stop() {
  local pidfile pid
  for pidfile in "$DIR"/n*/pid; do
    [[ -f "$pidfile" ]] || continue
    pid=$(cat "$pidfile")
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid"
      for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
    fi
    rm -f "$pidfile"
  done
  echo "stopped"
}

status() {
  local n i pid state
  n=$(cat "$DIR/size" 2>/dev/null || echo 0)
  for ((i = 1; i <= n; i++)); do
    pid=$(cat "$DIR/n$i/pid" 2>/dev/null || echo -)
    state=down
    [[ "$pid" != - ]] && kill -0 "$pid" 2>/dev/null && state=up
    echo "node $i: $state pid=$pid api=127.0.0.1:$(api_port "$i") rest=127.0.0.1:$(rest_port "$i") raft=127.0.0.1:$(raft_port "$i")"
  done
}

case "${1:-}" in
  start) shift; start "$@" ;;
  stop) stop ;;
  status) status ;;
  *) sed -n '2,7p' "${BASH_SOURCE[0]}"; exit 2 ;;
esac
