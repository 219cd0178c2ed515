#!/usr/bin/env bash
# Load test: N messages of 4 KB and 100 KB at concurrency 1, 10 and 50 through a relay in directory mode (durable
# writes, fsync before 250), with the project's load client. Prints messages/s and p50/p99 latency per message.
#   bench/load.sh [MESSAGES_4K] [MESSAGES_100K]
# Everything runs on 127.0.0.1; the relay and its files live in a temporary directory removed at the end.
# WARMUP (default 20000) 4 KB messages at concurrency 50 go first: the relay's JIT compiler needs tens of thousands
# of messages to finish, and the figures are meant for a relay in service (bench/compare.sh explains it).
set -euo pipefail
cd "$(dirname "$0")/.."
n4k=${1:-3000}
n100k=${2:-1000}
warmup=${WARMUP:-20000}

mvn -q -B -DskipTests -Pbench package >/dev/null
work=$(mktemp -d)
relay_pid=
cleanup() { [ -n "$relay_pid" ] && kill "$relay_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > "$work/relay.conf" <<CONF
relay {
  hostname = "relay.bench"
  smtp.listen = [ { address = "127.0.0.1", port = $port, tls = none } ]
  keys-dir = "$work/keys"
  signing.development-keys = true
  delivery { mode = directory, directory = "$work/outbox" }
  queue.dir = "$work/queue"
  limits { connections = 1000, connections-per-ip = 1000 }
  http.enabled = false
}
CONF
"${JAVA:-java}" --add-modules=jdk.incubator.vector ${RELAY_JAVA_OPTS:--Xmx1g} -jar relay-server/target/dkim-relay.jar run --config "$work/relay.conf" > "$work/relay.log" 2>&1 &
relay_pid=$!
for _ in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/"$port") 2>/dev/null && break; sleep 0.2; done

echo "dkim-relay load test, directory delivery, $(nproc) cores, $("${JAVA:-java}" -version 2>&1 | head -1)"
echo "warm-up: $warmup messages of 4 KB at concurrency 50"
java -cp bench/target/benchmarks.jar works.cast.relay.bench.LoadClient "127.0.0.1:$port" "$warmup" 50 4096 >/dev/null
for size in 4096 102400; do
  n=$n4k; [ "$size" = 102400 ] && n=$n100k
  java -cp bench/target/benchmarks.jar works.cast.relay.bench.LoadClient "127.0.0.1:$port" 200 10 "$size" >/dev/null # this size
  for c in 1 10 50; do
    java -cp bench/target/benchmarks.jar works.cast.relay.bench.LoadClient "127.0.0.1:$port" "$n" "$c" "$size"
  done
done
