#!/usr/bin/env bash
# Side-by-side throughput of dkim-relay and Postfix + OpenDKIM on this machine, with the same client, the same
# message and the same sink:
#
#   load client -> dkim-relay (smarthost delivery, durable queue, fsync before 250)      -> smtp-sink
#   load client -> Postfix (own instance, fsync before 250) + OpenDKIM milter over TCP   -> smtp-sink
#
# Each system signs every message with one RSA-2048 DKIM signature for cast.works (relaxed/relaxed); dkim-relay is
# also run with dual signing (RSA-2048 + Ed25519). For each run it prints the accepted messages/s and the
# p50/p99 accept latency seen by the load client, and the end-to-end messages/s: from the first submission until
# smtp-sink has received every message. At the end: a table and the ratio dkim-relay/Postfix of end-to-end msg/s.
# Before the timed runs, one message of each system is taken at the sink and its DKIM signatures are verified
# (d=cast.works, expected algorithms) with dkimpy against the public keys of the run.
#
#   bench/compare.sh [MESSAGES] [CONCURRENCY,...] [SIZE_BYTES]      defaults: 5000 10,50 4096
#
# Environment: WARMUP (messages sent before the timed runs of each system; default "auto", see below), REPEAT
# (timed runs per concurrency, default 3: every run is printed, the summary keeps the one with the median end-to-end
# rate), SYSTEMS (which to run, default "relay relay-dual postfix"), SKIP_BUILD=1 (use the jars already in */target), RELAY_JAVA_OPTS (default -Xmx1g),
# JAVA (the java binary that runs the relay, e.g. /usr/lib/jvm/temurin-25-jdk-amd64/bin/java; default java on PATH),
# CLIENT (load: the project's load client, one connection per session reused for its messages; smtp-source:
# Postfix's smtp-source, a new connection per message, no latency figures),
# DRAIN_TIMEOUT (seconds to wait for the sink, default 600), KEEP_WORK=1 (keep the temporary directory: logs),
# RELAY_JAR (the relay jar to run, default relay-server/target/dkim-relay.jar: compare two builds),
# PROFILE=DIR (record every timed run of the relay with `perf record -a -g` into DIR and print where the CPU went:
# the relay JVM runs with -XX:+PreserveFramePointer and writes its JIT symbol map; see bench/perf-summary.py).
# Needs root (Postfix starts as root), Debian's postfix, opendkim and opendkim-tools (installed with apt-get when
# missing), Java 17 and /usr/bin/python3 with python3-dkim. Everything listens on 127.0.0.1 ports picked at start;
# queues, keys and configs live in a temporary directory under bench/target (the sink's copies on /dev/shm), removed
# at exit, and every process the script starts is stopped at exit.
#
# Warm-up: the relay is a long-running JVM, and its JIT compiler turns the hot paths into machine code during the
# first tens of thousands of messages; on two cores that compiler competes with the relay for the CPU, so a cold
# relay runs at about half its steady rate. The timed runs measure the steady state, as a relay in service runs.
# With WARMUP=auto the script sends the relay batches of 2,500 messages (concurrency 50) until, in two batches in a
# row, the JVM's compiler worked for under 3 % of the batch's time (jstat -compiler; at most 24 batches), and prints
# each batch. Postfix is C and has no JIT: it gets 5,000 warm-up messages (its rates after 2,000 and after 35,000
# warm-up messages were the same within 3 %). WARMUP=N sends N messages at concurrency 10 to every system.
set -euo pipefail
cd "$(dirname "$0")/.."

messages=${1:-5000}
IFS=, read -r -a levels <<<"${2:-10,50}"
size=${3:-4096}
warmup=${WARMUP:-auto}
repeat=${REPEAT:-3}
relay_java=${JAVA:-java}
client=${CLIENT:-load}
case $client in
  load | smtp-source) ;;
  *) echo "CLIENT must be load or smtp-source, not $client" >&2; exit 2 ;;
esac
read -r -a systems <<<"${SYSTEMS:-relay relay-dual postfix}"
drain_timeout=${DRAIN_TIMEOUT:-600}
py=/usr/bin/python3

if [ "$(id -u)" != 0 ]; then
  echo "bench/compare.sh must run as root: it starts a private Postfix instance (postfix start needs root)." >&2
  exit 2
fi
missing=()
command -v postfix >/dev/null && command -v smtp-sink >/dev/null || missing+=(postfix)
command -v opendkim >/dev/null || missing+=(opendkim)
command -v opendkim-genkey >/dev/null || missing+=(opendkim-tools)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]} with apt-get"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null
fi
"$py" -c 'import dkim' 2>/dev/null || { echo "$py lacks the dkim module (apt-get install python3-dkim)" >&2; exit 2; }

[ "${SKIP_BUILD:-0}" = 1 ] || mvn -q -B -DskipTests -Pbench package >/dev/null
relay_jar=${RELAY_JAR:-relay-server/target/dkim-relay.jar}
bench_jar=bench/target/benchmarks.jar
[ -f "$relay_jar" ] && [ -f "$bench_jar" ] || { echo "missing $relay_jar or $bench_jar" >&2; exit 2; }
profile=${PROFILE:-}
if [ -n "$profile" ]; then
  command -v perf >/dev/null || { echo "PROFILE needs perf (apt-get install linux-perf)" >&2; exit 2; }
  mkdir -p "$profile"
  profile=$(readlink -f "$profile")
fi

# Not below /tmp: OpenDKIM refuses a configuration or key in a directory others can write to.
mkdir -p bench/target
work=$(mktemp -d "$PWD/bench/target/compare.XXXXXX")
chmod 755 "$work" # Postfix daemons run as the postfix user below this directory
dump=$(mktemp -d /dev/shm/dkim-compare-sink.XXXXXX 2>/dev/null || { mkdir "$work/sink" && echo "$work/sink"; })
chown postfix "$dump"
sink_pid= relay_pid= opendkim_pid= postfix_conf= failures=0

# Sends TERM to one process started here and waits up to 15 s for it, then KILL.
stop_pid() {
  local pid=$1
  [ -n "$pid" ] || return 0
  kill "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

stop_postfix() {
  [ -n "$postfix_conf" ] || return 0
  local master
  master=$(tr -dc 0-9 < "$work/postfix/queue/pid/master.pid" 2>/dev/null || true)
  postfix -c "$postfix_conf" stop >/dev/null 2>&1 || true
  if [ -n "$master" ]; then
    for _ in $(seq 1 150); do kill -0 "$master" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$master" 2>/dev/null || true
  fi
  postfix_conf=
}

cleanup() {
  set +e
  stop_postfix
  stop_pid "$relay_pid"
  stop_pid "$opendkim_pid"
  stop_pid "$sink_pid"
  if [ "${KEEP_WORK:-0}" = 1 ]; then
    echo "kept $work (configs, keys, logs, queues) and $dump" >&2
  else
    rm -rf "$work" "$dump"
  fi
}
trap cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 141' PIPE
trap 'exit 143' TERM

# Waits (at most 30 s) until something accepts TCP connections on 127.0.0.1:PORT.
wait_port() {
  for _ in $(seq 1 150); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.2
  done
  echo "$2 did not open 127.0.0.1:$1 within 30 s" >&2
  return 1
}

read -r sink_port relay_port dual_port smtpd_port milter_port < <("$py" -c '
import socket
ss = [socket.socket() for _ in range(5)]
for s in ss: s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in ss])')

# The sink: counts messages (-c prints "sess=N quit=N mesg=N" at each end of data) and keeps a copy of each one on
# /dev/shm, so signatures can be checked; copies are removed after every run.
smtp-sink -u postfix -c -d "$dump/%M." -m 1000 "127.0.0.1:$sink_port" 1024 > "$work/sink.out" 2> "$work/sink.err" &
sink_pid=$!
wait_port "$sink_port" smtp-sink

sink_count() {
  local n
  n=$(tail -c 200 "$work/sink.out" 2>/dev/null | tr '\r' '\n' | grep -o 'mesg=[0-9]*' | tail -n 1 | cut -d= -f2 || true)
  echo "${n:-0}"
}

cat > "$work/verify.py" <<'PY'
"""Verifies every DKIM-Signature of one message; the public keys come from KEYDIR/<domain>/<selector>.txt."""
import re, sys, dkim
from dkim.util import parse_tag_value

path, expect, keydirs = sys.argv[1], sorted(sys.argv[2].split(",")), sys.argv[3:]
msg = open(path, "rb").read()

def txt(name, timeout=5):
    labels = name.decode().rstrip(".").split(".")
    selector, domain = labels[0], ".".join(labels[2:])
    for d in keydirs:
        try:
            zone = open(f"{d}/{domain}/{selector}.txt").read()
        except OSError:
            continue
        return "".join(re.findall(r'"([^"]*)"', zone)).encode()
    return None

headers, _ = dkim.rfc822_parse(msg)
sigs = [parse_tag_value(v.replace(b"\r\n", b"")) for k, v in headers if k.lower() == b"dkim-signature"]
d = dkim.DKIM(msg)
parts, ok = [], True
for i, tags in enumerate(sigs):
    good = d.verify(idx=i, dnsfunc=txt)
    ok &= good and tags.get(b"d") == b"cast.works"
    parts.append("a=%s d=%s s=%s c=%s %s" % (tags.get(b"a", b"?").decode(), tags.get(b"d", b"?").decode(),
                 tags.get(b"s", b"?").decode(), tags.get(b"c", b"simple/simple").decode(),
                 "verified" if good else "FAILED"))
algs = sorted(t.get(b"a", b"").decode() for t in sigs)
ok &= algs == expect
print("%d DKIM-Signature(s): %s%s" % (len(sigs), "; ".join(parts) or "none",
      "" if algs == expect else " (expected %s)" % ",".join(expect)))
sys.exit(0 if ok else 1)
PY

# Checks one message that reached the sink, then empties the sink's copies.
check_signature() {
  local label=$1 expect=$2; shift 2
  local file line
  file=$(find "$dump" -type f -print -quit)
  if [ -z "$file" ]; then
    echo "DKIM check $label: FAILED, no message at the sink"; failures=$((failures + 1))
  elif line=$("$py" "$work/verify.py" "$file" "$expect" "$@" 2>&1); then
    echo "DKIM check $label: signed, $line"
  else
    echo "DKIM check $label: FAILED, $line"; failures=$((failures + 1))
  fi
  find "$dump" -mindepth 1 -delete
}

declare -A accepted e2e p50 p99

label() {
  case $1 in
    relay) echo "dkim-relay (RSA)" ;;
    relay-dual) echo "dkim-relay (RSA+Ed25519)" ;;
    postfix) echo "Postfix + OpenDKIM (RSA)" ;;
    *) echo "unknown system $1 (SYSTEMS: relay relay-dual postfix)" >&2; exit 2 ;;
  esac
}

# Sends N messages at concurrency C to PORT, waits until the sink has all of them, prints one line and keeps the
# figures under KEY:C. End-to-end time = the client's own elapsed time (first submission to last 250) + the time
# from the client's exit until the sink's count reached the target.
run_load() { # sets nothing for a warm-up; appends "end-to-end accepted p50 p99" to runs otherwise
  local key=$1 port=$2 n=$3 c=$4
  local base out t_exit failed elapsed target waited=0 t_done
  base=$(sink_count)
  local perf_pid= perf_data=
  if [ -n "$profile" ] && [ -z "${5:-}" ] && [ -n "$relay_pid" ]; then
    perf_data=$profile/$key-$client-c$c-$(date +%H%M%S).data
    perf record -a -g -F 499 -e cpu-clock -o "$perf_data" >/dev/null 2>&1 &
    perf_pid=$!
    sleep 0.5 # perf needs a moment before it samples
  fi
  if [ "$client" = smtp-source ]; then
    out=$(smtp_source "$port" "$n" "$c")
  else
    out=$(java -cp "$bench_jar" works.cast.relay.bench.LoadClient "127.0.0.1:$port" "$n" "$c" "$size" 2>&1) || true
  fi
  t_exit=$(date +%s.%N)
  failed=$(sed -n 's/.* failed=\([0-9]*\) .*/\1/p' <<<"$out")
  elapsed=$(sed -n 's/.* elapsed=\([0-9.]*\)s .*/\1/p' <<<"$out")
  if [ -z "$failed" ] || [ -z "$elapsed" ]; then
    echo "load client failed against $key: $out" >&2
    exit 1
  fi
  target=$((base + n - failed))
  while [ "$(sink_count)" -lt "$target" ]; do
    if [ "$waited" -ge $((drain_timeout * 50)) ]; then
      echo "$key: the sink has $(( $(sink_count) - base )) of $((n - failed)) messages after ${drain_timeout}s" >&2
      exit 1
    fi
    sleep 0.02
    waited=$((waited + 1))
  done
  t_done=$(date +%s.%N)
  if [ -n "$perf_pid" ]; then
    kill -INT "$perf_pid"; wait "$perf_pid" 2>/dev/null || true
    # JIT-compiled methods get names from the map the JVM writes now, read by perf-summary.py.
    "$(dirname "$(readlink -f "$(command -v "$relay_java")")")/jcmd" "$relay_pid" Compiler.perfmap >/dev/null 2>&1 || true
  fi
  [ -n "${5:-}" ] && return 0 # warm-up
  local run_e2e
  run_e2e=$(awk -v n="$((n - failed))" -v e="$elapsed" -v a="$t_exit" -v b="$t_done" \
    'BEGIN { printf "%.1f", n / (e + b - a) }')
  # One line per run for measure(): end-to-end accepted p50 p99.
  runs+=("$run_e2e $(sed -n 's/.* rate=\([0-9.]*\) msg\/s.*/\1/p' <<<"$out") \
$(sed -n 's/.* p50=\([0-9.-]*\)ms.*/\1/p' <<<"$out") $(sed -n 's/.* p99=\([0-9.-]*\)ms.*/\1/p' <<<"$out")")
  printf '  %s\n  -> end-to-end %s msg/s (sink has all %d)\n' "$out" "$run_e2e" "$((n - failed))"
  [ -z "$perf_data" ] || "$py" bench/perf-summary.py "$perf_data" "$relay_pid" "$((n - failed))" || true
  [ "$failed" = 0 ] || failures=$((failures + 1))
  find "$dump" -mindepth 1 -delete
}

# Postfix's smtp-source as the client: a new connection for every message (as most applications send), N messages
# over C parallel sessions, a body of SIZE bytes under From/To/Date/Message-Id headers (From: app@cast.works).
# Prints a line in the load client's format; smtp-source reports no latencies, so p50 and p99 are "-".
smtp_source() {
  local port=$1 n=$2 c=$3 t0 t1 rc=0
  t0=$(date +%s.%N)
  smtp-source -s "$c" -m "$n" -l "$size" -f app@cast.works -t r@example.net "127.0.0.1:$port" >/dev/null 2>&1 || rc=$?
  t1=$(date +%s.%N)
  awk -v n="$n" -v a="$t0" -v b="$t1" -v rc="$rc" 'BEGIN {
    printf "smtp-source: sent=%d failed=%d elapsed=%.3fs rate=%.1f msg/s p50=-ms p99=-ms\n",
      n, (rc == 0 ? 0 : n), b - a, n / (b - a) }'
}

# Seconds the JVM PID spent compiling so far (jstat -compiler: Compiled Failed Invalid Time ...).
jit_seconds() {
  "$(dirname "$(readlink -f "$(command -v "$relay_java")")")/jstat" -compiler "$1" | awk 'NR == 2 { print $4 }'
}

# Warms the relay (JVM PID) up in batches until its JIT compiler is nearly idle; see the top of the file.
warm_jvm() {
  local key=$1 port=$2 pid=$3 batch=2500 b j0 j1 t0 t1 share quiet=0
  for b in $(seq 1 24); do
    find "$dump" -mindepth 1 -delete # the sink keeps only the last batch, for the signature check
    j0=$(jit_seconds "$pid"); t0=$(date +%s.%N)
    run_load "$key" "$port" "$batch" 50 warmup
    j1=$(jit_seconds "$pid"); t1=$(date +%s.%N)
    share=$(awk -v j="$(awk -v a="$j0" -v b="$j1" 'BEGIN { print b - a }')" -v t="$t0" -v u="$t1" \
      'BEGIN { printf "%.1f", 100 * j / (u - t) }')
    printf '  warm-up batch %d: %d messages, %.1f s, JIT compiling %s %% of it\n' "$b" "$batch" \
      "$(awk -v t="$t0" -v u="$t1" 'BEGIN { print u - t }')" "$share"
    if awk -v s="$share" 'BEGIN { exit !(s < 3) }'; then
      quiet=$((quiet + 1))
      if [ "$quiet" -ge 2 ]; then
        return 0
      fi
    else
      quiet=0
    fi
  done
  echo "  warm-up: the JIT compiler was still busy after 24 batches; measuring anyway"
}

# Runs the warm-up, the signature check and the timed runs against one listening system (PID: its JVM, if any).
measure() {
  local key=$1 port=$2 expect=$3 pid=$4; shift 4
  if [ "$warmup" != auto ]; then
    run_load "$key" "$port" "$warmup" 10 warmup
  elif [ -n "$pid" ]; then
    warm_jvm "$key" "$port" "$pid"
  else
    echo "  warm-up: 5000 messages at concurrency 50"
    run_load "$key" "$port" 5000 50 warmup
  fi
  check_signature "$key" "$expect" "$@"
  local c r median
  for c in "${levels[@]}"; do
    runs=()
    for r in $(seq 1 "$repeat"); do
      run_load "$key" "$port" "$messages" "$c"
    done
    # The summary keeps the run with the median end-to-end rate, with its own accepted rate and latencies.
    median=$(printf '%s\n' "${runs[@]}" | sort -n | sed -n "$(( (${#runs[@]} + 1) / 2 ))p")
    read -r "e2e[$key:$c]" "accepted[$key:$c]" "p50[$key:$c]" "p99[$key:$c]" <<<"$median"
  done
}

# dkim-relay with a key store holding only the given algorithms, smarthost delivery to the sink.
run_relay() {
  local key=$1 port=$2; shift 2
  local dir=$work/$key
  mkdir -p "$dir"
  for domain in cast.works castworks.co.jp; do
    for alg in "$@"; do
      "$relay_java" -jar "$relay_jar" keys generate --domain "$domain" --algorithm "$alg" --activate --keys-dir "$dir/keys" \
        > /dev/null
    done
  done
  cat > "$dir/relay.conf" <<CONF
relay {
  hostname = "relay.bench"
  smtp.listen = [ { address = "127.0.0.1", port = $port, tls = none } ]
  keys-dir = "$dir/keys"
  signing.development-keys = false
  delivery {
    mode = smarthost
    smarthost { host = "127.0.0.1", port = $sink_port, tls = none, connections = 8 }
  }
  queue.dir = "$dir/queue"
  limits { connections = 1000, connections-per-ip = 1000 }
  http.enabled = false
}
CONF
  "$relay_java" --add-modules=jdk.incubator.vector ${RELAY_JAVA_OPTS:--Xmx1g} ${profile:+-XX:+PreserveFramePointer} -jar "$relay_jar" run --config "$dir/relay.conf" > "$dir/relay.log" 2>&1 &
  relay_pid=$!
  wait_port "$port" dkim-relay || { tail -n 20 "$dir/relay.log" >&2; exit 1; }
  local expect
  expect=$(printf '%s\n' "$@" | sed 's/rsa-.*/rsa-sha256/; s/ed25519/ed25519-sha256/' | sort | paste -sd, -)
  measure "$key" "$port" "$expect" "$relay_pid" "$dir/keys"
  stop_pid "$relay_pid"
  relay_pid=
}

# Postfix in its own config and queue directory, OpenDKIM as a milter over TCP, relayhost = the sink.
run_postfix() {
  local key=postfix dir=$work/postfix
  mkdir -p "$dir/etc" "$dir/queue" "$dir/data" "$dir/opendkim/cast.works"
  chown postfix "$dir/data"
  opendkim-genkey -b 2048 -d cast.works -s bench -D "$dir/opendkim/cast.works"
  chmod 600 "$dir/opendkim/cast.works/bench.private"
  cat > "$dir/opendkim/opendkim.conf" <<CONF
Syslog              no
Mode                s
Domain              cast.works
Selector            bench
KeyFile             $dir/opendkim/cast.works/bench.private
Canonicalization    relaxed/relaxed
SignatureAlgorithm  rsa-sha256
OversignHeaders     From
Socket              inet:$milter_port@127.0.0.1
CONF
  opendkim -f -x "$dir/opendkim/opendkim.conf" > "$dir/opendkim.log" 2>&1 &
  opendkim_pid=$!
  wait_port "$milter_port" opendkim || { cat "$dir/opendkim.log" >&2; exit 1; }

  cat > "$dir/etc/main.cf" <<CONF
compatibility_level = 3.6
queue_directory = $dir/queue
data_directory = $dir/data
mail_owner = postfix
setgid_group = postdrop
myhostname = postfix.bench
mydomain = bench
mydestination =
local_recipient_maps =
alias_maps =
alias_database =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject
relayhost = [127.0.0.1]:$sink_port
smtp_tls_security_level = none
smtpd_tls_security_level = none
smtpd_milters = inet:127.0.0.1:$milter_port
non_smtpd_milters = \$smtpd_milters
milter_default_action = tempfail
smtpd_peername_lookup = no
biff = no
maillog_file = $dir/maillog
maillog_file_prefixes = $dir
CONF
  cat > "$dir/etc/master.cf" <<CONF
127.0.0.1:$smtpd_port inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
CONF
  postfix_conf=$dir/etc
  postfix -c "$postfix_conf" start >/dev/null 2>&1 \
    || { echo "postfix did not start:" >&2; postfix -c "$postfix_conf" check >&2; tail -n 20 "$dir/maillog" >&2; exit 1; }
  wait_port "$smtpd_port" postfix || { tail -n 20 "$dir/maillog" >&2; exit 1; }
  measure "$key" "$smtpd_port" rsa-sha256 "" "$dir/opendkim"
  if [ "$(postqueue -c "$postfix_conf" -j 2>/dev/null | wc -l)" != 0 ]; then
    echo "Postfix queue not empty after the runs (see its maillog)" >&2
    failures=$((failures + 1))
  fi
  stop_postfix
  stop_pid "$opendkim_pid"
  opendkim_pid=
}

echo "dkim-relay vs Postfix + OpenDKIM: $messages messages of $size bytes per run (client: $client), concurrency ${levels[*]}," \
  "$(nproc) cores, relay on $("$relay_java" -version 2>&1 | sed -n 1p), $(postconf -d -h mail_version | sed 's/^/Postfix /')," \
  "$(opendkim -V 2>&1 | sed -n 1p)"
for key in "${systems[@]}"; do
  case $key in
    relay) echo "== $(label relay), one RSA-2048 signature per message"; run_relay relay "$relay_port" rsa-2048 ;;
    relay-dual) echo "== $(label relay-dual), two signatures per message"
      run_relay relay-dual "$dual_port" rsa-2048 ed25519 ;;
    postfix) echo "== $(label postfix), OpenDKIM as a milter, one RSA-2048 signature per message"; run_postfix ;;
  esac
done

echo
echo "== summary ($messages messages of $size bytes; accepted = load client, end-to-end = until the sink has all)"
printf '%-28s %5s %13s %15s %9s %9s\n' system conc "accepted/s" "end-to-end/s" "p50 ms" "p99 ms"
for key in "${systems[@]}"; do
  for c in "${levels[@]}"; do
    printf '%-28s %5s %13s %15s %9s %9s\n' "$(label "$key")" "$c" "${accepted[$key:$c]}" "${e2e[$key:$c]}" \
      "${p50[$key:$c]}" "${p99[$key:$c]}"
  done
done
for c in "${levels[@]}"; do
  [ -n "${e2e[postfix:$c]:-}" ] || break
  for key in relay relay-dual; do
    [ -z "${e2e[$key:$c]:-}" ] || awk -v c="$c" -v n="$(label "$key")" -v r="${e2e[$key:$c]}" -v p="${e2e[postfix:$c]}" \
      'BEGIN { printf "end-to-end ratio %s / Postfix + OpenDKIM at concurrency %s: %.2f\n", n, c, r / p }'
  done
done
if [ "$failures" -gt 0 ]; then
  echo "$failures check(s) failed: see above" >&2
  exit 1
fi
