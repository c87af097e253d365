#!/usr/bin/env bash
# Family-notice fan-out and large-roster benchmark (issue 4). Not a test:
# a person runs it and reads the figures.
#
#   benches/fanout/run.sh            # both parts below
#   benches/fanout/run.sh fanout     # part 1 only
#   benches/fanout/run.sh roster     # part 2 only
#
# 1. Fan-out vs smtp-source. Builds the release binary, starts postfix's
#    smtp-sink on a free loopback port, runs `breachd serve` with a config
#    file (SQLite in a temporary folder, email over SMTP to the sink,
#    `max_connections = CONNECTIONS`, no reminders or digests so that only
#    the notice is sent), files an incident, uploads a plain CSV roster of
#    GUARDIANS guardians (GUARDIANS/2 families of 2 guardians and 1–2
#    children), approves the notice and times approval → every delivery
#    recorded: from just before the approve request to the last delivery
#    record's `updated_at`, read from the database after the run (completion
#    is detected by polling `GET /api/v1/incidents/{id}/deliveries?limit=1`
#    every 0.5 s; timing by the poll would add up to its interval, and a
#    busier poll would take CPU from the daemon it measures); it fails
#    unless every delivery is recorded sent. Then runs `smtp-source -s
#    CONNECTIONS -m GUARDIANS -d -l SOURCE_BYTES` (persistent sessions, a
#    body the size of breachd's notice) against the same sink. ROUNDS
#    rounds alternate the two, each breachd round on a fresh daemon and
#    database; prints every rate, the medians and their ratio (target:
#    breachd ≥ 0.8× smtp-source, issue 19), and the most simultaneous SMTP sessions
#    seen at the sink during each run.
# 2. Large roster. A fresh daemon and database; generates a plain CSV of
#    ROSTER_GUARDIANS guardians (default 1,000,000: 500,000 families × 2
#    guardians, 1–2 children each, 1.5 M rows), uploads it with
#    `curl --data-binary @file`, and reports the import time and the
#    daemon's peak RSS (VmHWM from /proc/<pid>/status after the import;
#    target ≤ 150 MB). The daemon runs with `server.roster_timeout = "1h"`
#    so that a slow machine measures rather than times out.
#
# Environment:
#   GUARDIANS (20000)        recipients of the fan-out
#   ROUNDS (5)               fan-out rounds, each breachd then smtp-source;
#                            the medians are compared (this VM is noisy)
#   CONNECTIONS (8)          breachd's email.max_connections and smtp-source -s
#   CHUNK_SIZE               notice.chunk_size (unset: the default, 500 per job)
#   SQLITE_SYNCHRONOUS (full) database.sqlite_synchronous: "full" as shipped
#                            (a commit is fsynced); "normal" shows what the
#                            fsyncs cost
#   SOURCE_BYTES             smtp-source -l (unset: the body size of one
#                            breachd notice, dumped by a sink before the run)
#   ROSTER_GUARDIANS (1000000)
#   CARGO_TARGET_DIR         where the build goes (unset: target/)
#   SKIP_BUILD=1             use the release binary already built
#   BREACHD_BIN              a breachd binary to use instead of the build's
#   KEEP=1                   keep the work folder (configs, logs, databases)
#   PERF_OUT=FILE            profile the daemon during each fan-out with
#                            `perf record -e cpu-clock` (PERF_ARGS adds options,
#                            such as -g) into FILE.<round>
# Needs: cargo, curl, jq, sqlite3, ss, sha256sum, awk, /usr/sbin/smtp-sink and
# /usr/sbin/smtp-source (Debian: postfix). As root, smtp-sink runs with
# `-u nobody`. Takes ~2–10 minutes plus the build.

set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
MODE=${1:-all}
GUARDIANS=${GUARDIANS:-20000}
ROUNDS=${ROUNDS:-5}
CONNECTIONS=${CONNECTIONS:-8}
SQLITE_SYNCHRONOUS=${SQLITE_SYNCHRONOUS:-full}
ROSTER_GUARDIANS=${ROSTER_GUARDIANS:-1000000}
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
BIN=${BREACHD_BIN:-$TARGET_DIR/release/breachd}
SINK=${SMTP_SINK:-/usr/sbin/smtp-sink}
SOURCE=${SMTP_SOURCE:-/usr/sbin/smtp-source}
TOKEN=bench-fanout-admin
TOKEN_SHA=$(printf %s "$TOKEN" | sha256sum | cut -d' ' -f1)
WORK=$(mktemp -d /tmp/breachd-fanout.XXXXXX)
PIDS=()

cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [[ ${KEEP:-0} == 1 ]]; then echo "work folder kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
# A port no socket uses, below Linux's ephemeral range (32768-60999), where
# the thousands of client connections of a run take their local ports.
free_port() {
  local port
  while :; do
    port=$((20000 + RANDOM % 12000))
    ss -Htan "( sport = :$port )" | grep -q . || { echo "$port"; return; }
  done
}

# smtp-sink on a free loopback port; sets SINK_PORT and SINK_PID.
start_sink() {
  SINK_PORT=$(free_port)
  local user=()
  [[ $(id -u) == 0 ]] && user=(-u nobody)
  "$SINK" "${user[@]}" "$@" "127.0.0.1:$SINK_PORT" 1024 >/dev/null 2>"$WORK/sink.err" &
  SINK_PID=$!
  PIDS+=("$SINK_PID")
  for _ in $(seq 100); do
    ss -Htln "( sport = :$SINK_PORT )" | grep -q . && return
    sleep 0.05
  done
  echo "smtp-sink did not start" >&2; cat "$WORK/sink.err" >&2; exit 1
}

# User + system CPU ticks of a process.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

stop_pid() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }

# Established sessions on the sink's port (each counted once, server side).
sessions() { ss -Htn state established "( sport = :$SINK_PORT )" 2>/dev/null | wc -l; }

# Samples sessions() every 0.1 s into $1 until killed.
sample_sessions() {
  local max=0 n
  while :; do
    n=$(sessions)
    ((n > max)) && { max=$n; echo "$max" >"$1"; }
    sleep 0.1
  done
}

# A breachd config; $1 = name, $2 = extra TOML. Sets CONFIG, API, DB.
write_config() {
  local dir=$WORK/$1 port
  mkdir -p "$dir"
  port=$(free_port)
  API=http://127.0.0.1:$port
  DB=$dir/breachd.db
  CONFIG=$dir/breachd.toml
  cat >"$CONFIG" <<EOF
[server]
listen = "127.0.0.1:$port"
$2
[database]
url = "sqlite://$DB"
sqlite_synchronous = "$SQLITE_SYNCHRONOUS"
[audit]
key_file = "$dir/audit-key"
anchor_file = "$dir/audit-head"
[email]
transport = "smtp"
url = "smtp://127.0.0.1:$SINK_PORT"
max_connections = $CONNECTIONS
dir = "$dir/outbox"
[publish]
dir = "$dir/site"
[escalation]
steps = []
repeat_overdue = "0s"
[digest]
cron = ""
[notice]
# The two wording fields approval refuses while they hold a placeholder.
what_we_are_doing = "We are working with the vendor."
what_families_can_do = "Nothing more is needed."
$( [[ -n ${CHUNK_SIZE:-} ]] && printf 'chunk_size = %s\n' "$CHUNK_SIZE" )
[log]
format = "json"
level = "${LOG_LEVEL:-info}"
[[auth.tokens]]
name = "bench"
role = "admin"
sha256 = "$TOKEN_SHA"
EOF
}

# Starts `breachd serve` with $CONFIG; sets DAEMON_PID.
start_daemon() {
  env -u BREACHD_CONFIG "$BIN" serve --config "$CONFIG" 2>"$(dirname "$CONFIG")/daemon.log" &
  DAEMON_PID=$!
  PIDS+=("$DAEMON_PID")
  for _ in $(seq 300); do
    curl -fsS "$API/livez" >/dev/null 2>&1 && return
    sleep 0.1
  done
  echo "breachd did not come up" >&2; tail "$(dirname "$CONFIG")/daemon.log" >&2; exit 1
}

api() { # method path [curl args...]
  local method=$1 path=$2; shift 2
  curl -fsS -X "$method" -H "Authorization: Bearer $TOKEN" "$@" "$API$path"
}

file_incident() {
  local discovered notified
  discovered=$(date -u -d '-2 days' +%Y-%m-%dT%H:%M:%SZ)
  notified=$(date -u -d '-1 hour' +%Y-%m-%dT%H:%M:%SZ)
  api POST /api/v1/incidents -H 'Content-Type: application/json' --data-binary @- <<EOF | jq -r .id
{"title": "Gradebook vendor breach (benchmark)",
 "description": "An unauthorized party accessed the vendor's gradebook export.",
 "contractor": "Vendor Inc.",
 "discovered_at": "$discovered", "board_notified_at": "$notified",
 "data_elements": ["student_name", "grades"]}
EOF
}

# Plain CSV roster of $1 guardians: $1/2 families of 2 guardians and
# 1–2 children (odd families have two), one row per child and guardian.
roster() {
  awk -v families=$(($1 / 2)) 'BEGIN {
    print "student_id,student_name,guardian_name,guardian_email,language"
    for (f = 0; f < families; f++) {
      lang = (f % 10 == 3) ? "es" : "en"
      for (c = 1; c <= 1 + f % 2; c++)
        for (g = 1; g <= 2; g++)
          printf "s%07d%d,Child%d Family%d,Guardian%d Family%d,g%d.f%d@families.example,%s\n", f, c, c, f, g, f, g, f, lang
    }
  }'
}

build() {
  if [[ ${SKIP_BUILD:-0} != 1 ]]; then
    echo "== building the release binary (CARGO_TARGET_DIR=$TARGET_DIR)"
    (cd "$ROOT" && CARGO_TARGET_DIR=$TARGET_DIR cargo build --release --bin breachd)
  fi
  [[ -x $BIN ]] || { echo "no binary at $BIN" >&2; exit 1; }
}

# The size of one family notice as breachd sends it (headers excluded), for
# smtp-source's -l: a small fan-out to a sink that dumps what it receives.
measure_message_size() {
  local dump=$WORK/dump
  # smtp-sink writes as nobody: let it through the work folder into dump/.
  chmod 711 "$WORK"; mkdir -p "$dump"; chmod 777 "$dump"
  start_sink -d "$dump/%M."
  write_config size ""
  start_daemon
  local id
  id=$(file_incident)
  roster 4 | api POST "/api/v1/incidents/$id/roster" -H 'Content-Type: text/csv' --data-binary @- >/dev/null
  api POST "/api/v1/incidents/$id/notice/approve" >/dev/null
  for _ in $(seq 100); do
    [[ $(api GET "/api/v1/incidents/$id/deliveries?limit=1" | jq '.summary.sent // 0') -ge 4 ]] && break
    sleep 0.1
  done
  stop_pid "$DAEMON_PID"; stop_pid "$SINK_PID"
  # The dump holds the envelope, then the message; count the body after the
  # first blank line of the message.
  local file
  file=$(grep -l 'X-Breachd-Kind: family-notice' "$dump"/* | head -1)
  [[ -n $file ]] || { echo "no message dumped" >&2; exit 1; }
  awk 'body { n += length($0) + 2 } /^\r?$/ && seen { body = 1 } /^X-Breachd-Kind/ { seen = 1 } END { print n }' "$file"
}

# One breachd fan-out on a fresh daemon and database; appends its rate to
# $WORK/breachd-rates and checks every delivery is recorded.
breachd_round() {
  local round=$1
  write_config "fanout-$round" ""
  start_daemon
  local id csv=$WORK/roster-$GUARDIANS.csv
  id=$(file_incident)
  [[ -f $csv ]] || roster "$GUARDIANS" >"$csv"
  local t0 t1 t2 t3 answer recipients
  t0=$(now)
  answer=$(api POST "/api/v1/incidents/$id/roster" -H 'Content-Type: text/csv' --data-binary @"$csv")
  t1=$(now)
  recipients=$(jq .recipients <<<"$answer")
  echo "   roster: $(jq -c '{students, recipients, students_without_reachable_guardian}' <<<"$answer") imported in $(elapsed "$t0" "$t1") s"
  [[ $recipients == "$GUARDIANS" ]] || { echo "expected $GUARDIANS recipients" >&2; exit 1; }

  sample_sessions "$WORK/breachd-sessions" & local sampler=$!
  local cpu0; cpu0=$(cpu_ticks "$DAEMON_PID")
  local sink0; sink0=$(cpu_ticks "$SINK_PID")
  t1=$(now)
  answer=$(api POST "/api/v1/incidents/$id/notice/approve")
  t2=$(now)
  local profiler=
  if [[ -n ${PERF_OUT:-} ]]; then
    perf record -e cpu-clock -F 1999 ${PERF_ARGS:-} -p "$DAEMON_PID" -o "$PERF_OUT.$round" >/dev/null 2>&1 & profiler=$!
  fi
  echo "   approve answered in $(elapsed "$t1" "$t2") s: $(jq -c '{recipients, chunks}' <<<"$answer")"
  local sent failed
  while :; do
    # One jq per poll: the poller shares the machine with the daemon.
    read -r sent failed < <(api GET "/api/v1/incidents/$id/deliveries?limit=1" | jq -r '"\(.summary.sent // 0) \(.summary.failed // 0)"')
    ((sent + failed >= GUARDIANS)) && break
    sleep 0.5
  done
  t3=$(now)
  [[ -n $profiler ]] && { kill -INT "$profiler"; wait "$profiler" 2>/dev/null || true; }
  local cpu1; cpu1=$(cpu_ticks "$DAEMON_PID")
  local sink1; sink1=$(cpu_ticks "$SINK_PID")
  local rss; rss=$(awk '/VmHWM/ { printf "%.0f MB", $2 / 1024 }' "/proc/$DAEMON_PID/status")
  kill "$sampler"; wait "$sampler" 2>/dev/null || true
  # Every delivery recorded: read the database itself, after a clean stop.
  stop_pid "$DAEMON_PID"
  local recorded last
  recorded=$(sqlite3 "$DB" "SELECT COUNT(*) FROM emails WHERE kind = 'family-notice' AND status = 'sent' AND sent_at IS NOT NULL AND message_id <> ''")
  last=$(sqlite3 "$DB" "SELECT printf('%.6f', (julianday(MAX(updated_at)) - 2440587.5) * 86400.0) FROM emails WHERE kind = 'family-notice'")
  [[ $recorded == "$GUARDIANS" ]] || { echo "only $recorded of $GUARDIANS deliveries recorded sent" >&2; exit 1; }
  local secs rate
  secs=$(elapsed "$t1" "$last")
  rate=$(awk -v n="$GUARDIANS" -v s="$secs" 'BEGIN { printf "%.0f", n / s }')
  echo "$rate" >>"$WORK/breachd-rates"
  echo "   breachd: $recorded/$GUARDIANS recorded sent (with sent_at and Message-ID) in $secs s → $rate messages/s (max $(cat "$WORK/breachd-sessions" 2>/dev/null || echo ?) simultaneous SMTP sessions, peak RSS $rss; the poll saw it $(elapsed "$last" "$t3") s later)"
  echo "   breachd CPU: $(awk -v t=$((cpu1 - cpu0)) -v hz="$(getconf CLK_TCK)" -v n="$GUARDIANS" -v s="$secs" 'BEGIN { printf "%.1f s (%.0f µs per message, %.0f%% of one core)", t / hz, 1e6 * t / hz / n, 100 * t / hz / s }'); smtp-sink meanwhile $(awk -v t=$((sink1 - sink0)) -v hz="$(getconf CLK_TCK)" -v n="$GUARDIANS" 'BEGIN { printf "%.0f", 1e6 * t / hz / n }') µs per message"
  [[ ${KEEP:-0} == 1 ]] || rm -rf "$WORK/fanout-$round"
}

# smtp-source against the same sink; appends its rate to $WORK/source-rates.
source_round() {
  local bytes=$1 t0 t1 secs rate sampler sink0 sink1
  sample_sessions "$WORK/source-sessions" & sampler=$!
  sink0=$(cpu_ticks "$SINK_PID")
  t0=$(now)
  "$SOURCE" -s "$CONNECTIONS" -m "$GUARDIANS" -d -l "$bytes" -f dataprivacy@example.org -t guardian@families.example "127.0.0.1:$SINK_PORT" &
  local source_pid=$!
  # smtp-source's own CPU, read just before it exits (from its last sample).
  local source_ticks=0 ticks
  while kill -0 "$source_pid" 2>/dev/null; do
    ticks=$(cpu_ticks "$source_pid" 2>/dev/null) && source_ticks=$ticks
    sleep 0.05
  done
  wait "$source_pid"
  t1=$(now)
  sink1=$(cpu_ticks "$SINK_PID")
  kill "$sampler"; wait "$sampler" 2>/dev/null || true
  secs=$(elapsed "$t0" "$t1")
  rate=$(awk -v n="$GUARDIANS" -v s="$secs" 'BEGIN { printf "%.0f", n / s }')
  echo "$rate" >>"$WORK/source-rates"
  echo "   smtp-source: $GUARDIANS messages in $secs s → $rate messages/s (max $(cat "$WORK/source-sessions" 2>/dev/null || echo ?) simultaneous SMTP sessions)"
  echo "   CPU per message: smtp-source at least $(awk -v t="$source_ticks" -v hz="$(getconf CLK_TCK)" -v n="$GUARDIANS" 'BEGIN { printf "%.0f", 1e6 * t / hz / n }') µs, smtp-sink $(awk -v t=$((sink1 - sink0)) -v hz="$(getconf CLK_TCK)" -v n="$GUARDIANS" 'BEGIN { printf "%.0f", 1e6 * t / hz / n }') µs"
}

median() { sort -n "$1" | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

fanout() {
  echo "== fan-out: $GUARDIANS guardians, max_connections = $CONNECTIONS, chunk_size = ${CHUNK_SIZE:-default}, $ROUNDS rounds"
  local bytes=${SOURCE_BYTES:-}
  if [[ -z $bytes ]]; then
    bytes=$(measure_message_size)
    echo "   breachd's family notice body: $bytes bytes (smtp-source -l $bytes)"
  fi
  start_sink
  : >"$WORK/breachd-rates"; : >"$WORK/source-rates"
  for round in $(seq "$ROUNDS"); do
    echo "-- round $round"
    breachd_round "$round"
    source_round "$bytes"
  done
  stop_pid "$SINK_PID"
  awk -v b="$(median "$WORK/breachd-rates")" -v s="$(median "$WORK/source-rates")" \
      -v br="$(paste -sd' ' "$WORK/breachd-rates")" -v sr="$(paste -sd' ' "$WORK/source-rates")" \
      -v n="$GUARDIANS" -v c="$CONNECTIONS" -v k="$ROUNDS" 'BEGIN {
    r = b / s
    printf "\n| fan-out of %d guardians, %d connections, median of %d rounds | messages/s | rounds |\n|---|---|---|\n", n, c, k
    printf "| breachd (approve → every delivery recorded sent) | %d | %s |\n", b, br
    printf "| smtp-source -d (same sink, same sessions) | %d | %s |\n", s, sr
    printf "| ratio | %.2f× (target ≥ 0.8×: %s) | |\n\n", r, (r >= 0.8) ? "met" : "NOT met"
  }'
}

large_roster() {
  echo "== roster import: $ROSTER_GUARDIANS guardians"
  local csv=$WORK/roster-$ROSTER_GUARDIANS.csv
  roster "$ROSTER_GUARDIANS" >"$csv"
  echo "   generated $(($(wc -l <"$csv") - 1)) rows, $(du -m "$csv" | cut -f1) MB"
  start_sink
  write_config roster 'roster_timeout = "1h"'
  start_daemon
  local id before t0 t1 answer
  id=$(file_incident)
  before=$(awk '/VmRSS/ { print $2 }' "/proc/$DAEMON_PID/status")
  t0=$(now)
  answer=$(api POST "/api/v1/incidents/$id/roster" -H 'Content-Type: text/csv' --data-binary @"$csv")
  t1=$(now)
  local hwm rss
  hwm=$(awk '/VmHWM/ { print $2 }' "/proc/$DAEMON_PID/status")
  rss=$(awk '/VmRSS/ { print $2 }' "/proc/$DAEMON_PID/status")
  echo "   answer: $(jq -c '{students, recipients, students_without_reachable_guardian, rejected_rows: (.rejected_rows // .rejected | if type == "array" then length else . end)}' <<<"$answer")"
  stop_pid "$DAEMON_PID"
  stop_pid "$SINK_PID"
  awk -v n="$ROSTER_GUARDIANS" -v t="$(elapsed "$t0" "$t1")" -v hwm="$hwm" -v rss="$rss" -v before="$before" -v db="$(du -m "$DB" | cut -f1)" 'BEGIN {
    printf "\n| roster of %d guardians | value |\n|---|---|\n", n
    printf "| import time (upload + import, curl) | %.1f s |\n", t
    printf "| peak RSS (VmHWM) | %.0f MB (target ≤ 150 MB: %s) |\n", hwm / 1024, (hwm / 1024 <= 150) ? "met" : "NOT met"
    printf "| RSS before / after the import | %.0f / %.0f MB |\n| database after | %d MB |\n\n", before / 1024, rss / 1024, db
  }'
}

build
echo "machine: $(nproc) CPUs, $(awk '/MemTotal/ { printf "%.0f GB", $2 / 1048576 }' /proc/meminfo), load $(cut -d' ' -f1-3 /proc/loadavg)"
case $MODE in
  all) fanout; large_roster ;;
  fanout) fanout ;;
  roster) large_roster ;;
  *) echo "usage: $0 [all|fanout|roster]" >&2; exit 2 ;;
esac
