#!/usr/bin/env bash
# Roster import against `sqlite3 .import` of the same file (issue 19, item 1),
# and a filing made while a roster is being imported (issue 12, item 10).
# Not a test: a person runs it and reads the figures.
#
#   benches/roster/run.sh
#
# 1. Import speed. Generates one plain CSV roster (docs/api.md) of FAMILIES
#    families: 1–2 children each (every other family has two) and 1–2
#    guardians (about 81% have two), one row per (child, guardian): by
#    default 686,047 students, ~830,000 guardians, ~1.25 M rows, ~97 MB.
#    ROUNDS times, alternating: a fresh release daemon on a fresh SQLite
#    database (as a district would: `POST /api/v1/incidents/{id}/roster`
#    with curl, timed from the request to the answer) and `sqlite3 .import`
#    of the same file into a fresh database (timed the same way). Prints
#    every figure, the medians, their ratio (target ≤ 3×) and each side's
#    peak RSS (the daemon's VmHWM from /proc after the import; sqlite3's
#    maximum resident set from /usr/bin/time -v; target for breachd
#    ≤ 150 MB).
# 2. Filing during an import. A fresh daemon; a roster of FILING_GUARDIANS
#    guardians (default 300,000) is uploaded while incidents are filed
#    (`POST /api/v1/incidents`) one after another until the upload answers;
#    prints how many filings ran during the import, their median and
#    slowest latency (target: under a second) and checks every one answered
#    201.
#
# Environment:
#   FAMILIES (457365)         families of the big roster (686,047 students)
#   FILING_GUARDIANS (300000) guardians of the roster of part 2
#   ROUNDS (3)                rounds of part 1 (medians are reported)
#   CARGO_TARGET_DIR          where the release build goes (unset: target/)
#   SKIP_BUILD=1              use the release binary already built
#   BREACHD_BIN               a breachd binary to use instead of the build's
#   LOG_LEVEL                 the daemon's log level (info; `breachd::roster=debug`
#                             adds the import's per-stage timings to daemon.log)
#   KEEP=1                    keep the work folder (configs, logs, databases)
#   PERF_OUT=FILE             profile the daemon during each import with
#                             `perf record` (PERF_ARGS adds options, e.g. -g)
#                             into FILE.<round>
# Needs: cargo, curl, jq, awk, ss, sha256sum, /usr/bin/time, sqlite3 (installed
# with apt-get when missing and running as root). Takes ~5 minutes plus the
# build.

set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
FAMILIES=${FAMILIES:-457365}
FILING_GUARDIANS=${FILING_GUARDIANS:-300000}
ROUNDS=${ROUNDS:-3}
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
BIN=${BREACHD_BIN:-$TARGET_DIR/release/breachd}
TOKEN=bench-roster-admin
TOKEN_SHA=$(printf %s "$TOKEN" | sha256sum | cut -d' ' -f1)
WORK=$(mktemp -d /tmp/breachd-roster.XXXXXX)
PIDS=()

cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [[ ${KEEP:-0} == 1 ]]; then echo "work folder kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
median() { sort -n "$1" | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
free_port() {
  local port
  while :; do
    port=$((20000 + RANDOM % 12000))
    ss -Htan "( sport = :$port )" | grep -q . || { echo "$port"; return; }
  done
}
stop_pid() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }

need_sqlite3() {
  command -v sqlite3 >/dev/null && return
  if [[ $(id -u) == 0 ]]; then
    echo "== installing sqlite3 (Debian)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq sqlite3 >/dev/null
  else
    echo "sqlite3 is needed (Debian: apt-get install sqlite3)" >&2; exit 1
  fi
}

# A breachd config in $WORK/$1 (SQLite, email written to files: nothing is
# sent, the notice is never approved). Sets CONFIG, API, DB.
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
roster_timeout = "1h"
[database]
url = "sqlite://$DB"
[audit]
key_file = "$dir/audit-key"
anchor_file = "$dir/audit-head"
[email]
transport = "file"
dir = "$dir/outbox"
[publish]
dir = "$dir/site"
[escalation]
steps = []
repeat_overdue = "0s"
[digest]
cron = ""
[log]
format = "json"
level = "${LOG_LEVEL:-info}"
[[auth.tokens]]
name = "bench"
role = "admin"
sha256 = "$TOKEN_SHA"
EOF
}

start_daemon() {
  env -u BREACHD_CONFIG RUST_LOG="${LOG_LEVEL:-info}" "$BIN" serve --config "$CONFIG" 2>"$(dirname "$CONFIG")/daemon.log" &
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

INCIDENT_JSON=$WORK/incident.json
write_incident() {
  cat >"$INCIDENT_JSON" <<EOF
{"title": "Gradebook vendor breach (benchmark)",
 "description": "An unauthorized party accessed the vendor's gradebook export.",
 "contractor": "Vendor Inc.",
 "discovered_at": "$(date -u -d '-2 days' +%Y-%m-%dT%H:%M:%SZ)",
 "board_notified_at": "$(date -u -d '-1 hour' +%Y-%m-%dT%H:%M:%SZ)",
 "data_elements": ["student_name", "grades"]}
EOF
}
file_incident() {
  api POST /api/v1/incidents -H 'Content-Type: application/json' --data-binary @"$INCIDENT_JSON" | jq -r .id
}

# Plain CSV of $1 families: 1 + f % 2 children, a second guardian for about
# 81% of families (a fixed pseudo-random pick), one row per child × guardian.
roster() {
  awk -v families="$1" 'BEGIN {
    print "student_id,student_name,guardian_name,guardian_email,language"
    for (f = 0; f < families; f++) {
      lang = (f % 10 == 3) ? "es" : "en"
      guardians = ((f * 7919) % 10000 < 8144) ? 2 : 1
      for (c = 1; c <= 1 + f % 2; c++)
        for (g = 1; g <= guardians; g++)
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

# One import by breachd on a fresh daemon and database; appends seconds to
# $WORK/breachd-times and the peak RSS (MB) to $WORK/breachd-rss.
breachd_round() {
  local round=$1 csv=$2
  write_config "import-$round"
  start_daemon
  local id t0 t1 answer hwm profiler=
  id=$(file_incident)
  if [[ -n ${PERF_OUT:-} ]]; then
    perf record -e cpu-clock -F 999 ${PERF_ARGS:-} -p "$DAEMON_PID" -o "$PERF_OUT.$round" >/dev/null 2>&1 & profiler=$!
  fi
  t0=$(now)
  answer=$(api POST "/api/v1/incidents/$id/roster" -H 'Content-Type: text/csv' --data-binary @"$csv")
  t1=$(now)
  [[ -n $profiler ]] && { kill -INT "$profiler"; wait "$profiler" 2>/dev/null || true; }
  hwm=$(awk '/VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$DAEMON_PID/status")
  stop_pid "$DAEMON_PID"
  local students recipients
  students=$(jq .students <<<"$answer")
  recipients=$(jq .recipients <<<"$answer")
  [[ $students == "$EXPECT_STUDENTS" && $recipients == "$EXPECT_GUARDIANS" ]] || {
    echo "breachd counted $students students / $recipients recipients, expected $EXPECT_STUDENTS / $EXPECT_GUARDIANS" >&2; exit 1; }
  # What the district sees afterwards is what was imported: the database.
  local stored
  stored=$(sqlite3 "$DB" "SELECT COUNT(*) FROM notice_recipients")
  [[ $stored == "$EXPECT_GUARDIANS" ]] || { echo "$stored recipients stored, expected $EXPECT_GUARDIANS" >&2; exit 1; }
  echo "$(elapsed "$t0" "$t1")" >>"$WORK/breachd-times"
  echo "$hwm" >>"$WORK/breachd-rss"
  echo "   breachd: $students students, $recipients recipients in $(elapsed "$t0" "$t1") s, peak RSS $hwm MB"
  [[ -n ${LOG_LEVEL:-} ]] && grep -h '"roster' "$(dirname "$CONFIG")/daemon.log" | tail -5 | sed 's/^/     /'
  [[ ${KEEP:-0} == 1 ]] || rm -rf "$WORK/import-$round"
}

# `sqlite3 .import` of the same file into a fresh database.
sqlite_round() {
  local round=$1 csv=$2 db=$WORK/sqlite-$round.db t0 t1 rss rows
  rm -f "$db"
  t0=$(now)
  /usr/bin/time -v -o "$WORK/sqlite-time-$round" sqlite3 "$db" ".mode csv" ".import $csv roster"
  t1=$(now)
  rss=$(awk -F: '/Maximum resident set size/ { printf "%.0f", $2 / 1024 }' "$WORK/sqlite-time-$round")
  rows=$(sqlite3 "$db" "SELECT COUNT(*) FROM roster")
  echo "$(elapsed "$t0" "$t1")" >>"$WORK/sqlite-times"
  echo "$rss" >>"$WORK/sqlite-rss"
  echo "   sqlite3 .import: $rows rows in $(elapsed "$t0" "$t1") s, peak RSS $rss MB"
  rm -f "$db"
}

import_speed() {
  local csv=$WORK/roster.csv
  roster "$FAMILIES" >"$csv"
  EXPECT_STUDENTS=$(awk -F, 'NR > 1 { s[$1] = 1 } END { print length(s) }' "$csv")
  EXPECT_GUARDIANS=$(awk -F, 'NR > 1 { g[tolower($4)] = 1 } END { print length(g) }' "$csv")
  echo "== import speed: $(($(wc -l <"$csv") - 1)) rows, $EXPECT_STUDENTS students, $EXPECT_GUARDIANS guardians, $(du -m "$csv" | cut -f1) MB; $ROUNDS rounds"
  : >"$WORK/breachd-times"; : >"$WORK/breachd-rss"; : >"$WORK/sqlite-times"; : >"$WORK/sqlite-rss"
  for round in $(seq "$ROUNDS"); do
    echo "-- round $round"
    breachd_round "$round" "$csv"
    sqlite_round "$round" "$csv"
  done
  awk -v b="$(median "$WORK/breachd-times")" -v s="$(median "$WORK/sqlite-times")" \
      -v br="$(paste -sd' ' "$WORK/breachd-times")" -v sr="$(paste -sd' ' "$WORK/sqlite-times")" \
      -v bm="$(sort -n "$WORK/breachd-rss" | tail -1)" -v sm="$(sort -n "$WORK/sqlite-rss" | tail -1)" \
      -v rr="$(paste -d' ' "$WORK/breachd-times" "$WORK/sqlite-times" | awk '{ printf "%s%.1f×", sep, $1 / $2; sep = " " }')" \
      -v st="$EXPECT_STUDENTS" -v g="$EXPECT_GUARDIANS" -v mb="$(du -m "$csv" | cut -f1)" -v k="$ROUNDS" 'BEGIN {
    r = b / s
    printf "\n| plain CSV roster, %d students / %d guardians (%d MB), median of %d | seconds | rounds | peak RSS |\n|---|---|---|---|\n", st, g, mb, k
    printf "| breachd (API upload → answer, release build) | %.2f | %s | %d MB (target ≤ 150 MB: %s) |\n", b, br, bm, (bm <= 150) ? "met" : "NOT met"
    printf "| sqlite3 .import of the same file | %.2f | %s | %d MB |\n", s, sr, sm
    printf "| ratio of the medians | %.1f× (target ≤ 3×: %s) | per round: %s | |\n\n", r, (r <= 3) ? "met" : "NOT met", rr
  }'
  rm -f "$csv"
}

filing_during_import() {
  local csv=$WORK/filing-roster.csv
  # FILING_GUARDIANS guardians: about 1.81 per family.
  roster $((FILING_GUARDIANS * 10000 / 18144)) >"$csv"
  echo "== filing during an import: $(awk -F, 'NR > 1 { g[$4] = 1 } END { print length(g) }' "$csv") guardians, $(($(wc -l <"$csv") - 1)) rows"
  write_config filing
  start_daemon
  local id t0 t1
  id=$(file_incident)
  : >"$WORK/filings"
  api POST "/api/v1/incidents/$id/roster" -H 'Content-Type: text/csv' --data-binary @"$csv" >"$WORK/filing-answer" &
  local upload=$!
  t0=$(now)
  # Filings one after another while the upload runs; each line: HTTP status
  # and seconds.
  while kill -0 "$upload" 2>/dev/null; do
    curl -sS -o /dev/null -w '%{http_code} %{time_total}\n' -X POST -H "Authorization: Bearer $TOKEN" \
      -H 'Content-Type: application/json' --data-binary @"$INCIDENT_JSON" "$API/api/v1/incidents" >>"$WORK/filings"
  done
  wait "$upload"
  t1=$(now)
  stop_pid "$DAEMON_PID"
  # The last filing may have started after the import answered.
  local n bad
  n=$(wc -l <"$WORK/filings")
  bad=$(awk '$1 != 201' "$WORK/filings" | wc -l)
  awk '{ print $2 }' "$WORK/filings" >"$WORK/filing-times"
  echo "   import: $(jq -c '{students, recipients}' <"$WORK/filing-answer") in $(elapsed "$t0" "$t1") s"
  awk -v n="$n" -v bad="$bad" -v med="$(median "$WORK/filing-times")" -v max="$(sort -n "$WORK/filing-times" | tail -1)" 'BEGIN {
    printf "\n| filings (POST /api/v1/incidents) during the import | value |\n|---|---|\n"
    printf "| filings made | %d (%d not answered 201) |\n", n, bad
    printf "| median latency | %.3f s |\n", med
    printf "| slowest | %.3f s (target < 1 s: %s) |\n\n", max, (max < 1 && bad == 0) ? "met" : "NOT met"
  }'
  [[ $bad == 0 ]] || { echo "some filings failed:" >&2; awk '$1 != 201' "$WORK/filings" >&2; exit 1; }
}

need_sqlite3
build
write_incident
echo "machine: $(nproc) CPUs, $(awk '/MemTotal/ { printf "%.0f GB", $2 / 1048576 }' /proc/meminfo), load $(cut -d' ' -f1-3 /proc/loadavg)"
case ${1:-all} in
  all) import_speed; filing_during_import ;;
  speed) import_speed ;;
  filing) filing_during_import ;;
  *) echo "usage: $0 [all|speed|filing]" >&2; exit 2 ;;
esac
