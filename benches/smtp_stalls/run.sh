#!/usr/bin/env bash
# Family-notice fan-out throughput against an SMTP server that stalls on some
# messages, compared with the same server never stalling (issue 12, item 15).
# Not a test: a person runs it and reads the figures.
#
#   benches/smtp_stalls/run.sh
#
# Runs tests/support/smtp_server.py (aiosmtpd, PIPELINING) twice: as is, and
# with --stall-every STALL_EVERY (default 16: 6.25% of messages never get an
# answer to their closing dot, each address once). Each run is a fresh daemon
# and database: it files an incident, uploads GUARDIANS guardians, approves
# the notice and times approve → every message that did not stall recorded
# sent (the stalled ones, logged by the server, are parked: their
# connections wait for the reply up to `email.data_timeout` in the
# background, then they are deferred and retried after the backoff, outside
# the timing). The rate is GUARDIANS over that time in both runs. Prints
# both rates and their ratio; the issue's target is stalls within 2× of none.
#
# Environment:
#   GUARDIANS (3000)       recipients
#   CONNECTIONS (8)        email.max_connections
#   STALL_EVERY (16)       every Nth message stalls
#   DATA_TIMEOUT (unset)   email.data_timeout (unset: the shipped default)
#   STALL_AFTER (unset)    email.stall_after (unset: the shipped "auto")
#   MAX_PARKED (unset)     email.max_parked_connections (unset: the default;
#                          0 measures the fan-out without parking)
#   CARGO_TARGET_DIR       where the build goes (unset: target/)
#   SKIP_BUILD=1           use the release binary already built
#   BREACHD_BIN            a breachd binary to use instead of the build's
#   KEEP=1                 keep the work folder
# Needs: cargo, curl, jq, ss, sha256sum, awk, /usr/bin/python3 with aiosmtpd
# (Debian: python3-aiosmtpd).

set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
GUARDIANS=${GUARDIANS:-3000}
CONNECTIONS=${CONNECTIONS:-8}
STALL_EVERY=${STALL_EVERY:-16}
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
BIN=${BREACHD_BIN:-$TARGET_DIR/release/breachd}
TOKEN=bench-stalls-admin
TOKEN_SHA=$(printf %s "$TOKEN" | sha256sum | cut -d' ' -f1)
WORK=$(mktemp -d /tmp/breachd-stalls.XXXXXX)
PIDS=()

cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [[ ${KEEP:-0} == 1 ]]; then echo "work folder kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

now() { date +%s.%N; }
free_port() {
  local port
  while :; do
    port=$((20000 + RANDOM % 12000))
    ss -Htan "( sport = :$port )" | grep -q . || { echo "$port"; return; }
  done
}

if [[ ${SKIP_BUILD:-0} != 1 && -z ${BREACHD_BIN:-} ]]; then
  echo "== building the release binary (CARGO_TARGET_DIR=$TARGET_DIR)"
  (cd "$ROOT" && CARGO_TARGET_DIR=$TARGET_DIR cargo build --release --bin breachd)
fi
[[ -x $BIN ]] || { echo "no binary at $BIN" >&2; exit 1; }

# One run; $1 = name, $2... = extra smtp_server.py arguments. Prints the rate.
run() {
  local name=$1; shift
  local dir=$WORK/$name port smtp_port
  mkdir -p "$dir"
  smtp_port=$(free_port)
  # The server lives until its stdin closes: hold it open with a pipe.
  mkfifo "$dir/smtp-stdin"
  : >"$dir/stalls.txt"
  /usr/bin/python3 "$ROOT/tests/support/smtp_server.py" --port "$smtp_port" \
    --out "$dir/messages.jsonl" --pipelining --stall-log "$dir/stalls.txt" "$@" \
    <"$dir/smtp-stdin" >"$dir/smtp.out" 2>&1 &
  PIDS+=($!); local smtp_pid=$!
  exec 9>"$dir/smtp-stdin"
  for _ in $(seq 100); do grep -q READY "$dir/smtp.out" && break; sleep 0.1; done
  port=$(free_port)
  cat >"$dir/breachd.toml" <<TOML
[server]
listen = "127.0.0.1:$port"
roster_timeout = "1h"
[database]
url = "sqlite://$dir/breachd.db"
[audit]
key_file = "$dir/audit-key"
anchor_file = "$dir/audit-head"
[email]
transport = "smtp"
url = "smtp://127.0.0.1:$smtp_port"
max_connections = $CONNECTIONS
dir = "$dir/outbox"
$( [[ -n ${DATA_TIMEOUT:-} ]] && printf 'data_timeout = "%s"\n' "$DATA_TIMEOUT" )
$( [[ -n ${STALL_AFTER:-} ]] && printf 'stall_after = "%s"\n' "$STALL_AFTER" )
$( [[ -n ${MAX_PARKED:-} ]] && printf 'max_parked_connections = %s\n' "$MAX_PARKED" )
[notice]
what_we_are_doing = "We are working with the vendor."
what_families_can_do = "Nothing more is needed."
[publish]
dir = "$dir/site"
[escalation]
steps = []
repeat_overdue = "0s"
[digest]
cron = ""
[log]
format = "json"
[[auth.tokens]]
name = "bench"
role = "admin"
sha256 = "$TOKEN_SHA"
TOML
  env -u BREACHD_CONFIG "$BIN" serve --config "$dir/breachd.toml" 2>"$dir/daemon.log" &
  PIDS+=($!); local daemon_pid=$!
  local api=http://127.0.0.1:$port
  for _ in $(seq 300); do curl -fsS "$api/livez" >/dev/null 2>&1 && break; sleep 0.1; done
  call() { local method=$1 path=$2; shift 2; curl -fsS -X "$method" -H "Authorization: Bearer $TOKEN" "$@" "$api$path"; }
  local id
  id=$(call POST /api/v1/incidents -H 'Content-Type: application/json' --data-binary @- <<JSON | jq -r .id
{"title": "Vendor breach (benchmark)", "contractor": "Vendor Inc.",
 "description": "An unauthorized party accessed the vendor's gradebook export.",
 "discovered_at": "$(date -u -d '-2 days' +%Y-%m-%dT%H:%M:%SZ)",
 "board_notified_at": "$(date -u -d '-1 hour' +%Y-%m-%dT%H:%M:%SZ)",
 "data_elements": ["grades"]}
JSON
)
  awk -v n="$GUARDIANS" 'BEGIN { print "student_id,student_name,guardian_name,guardian_email,language"
    for (i = 0; i < n; i++) printf "s%07d,Child%d,Guardian%d,g%d@families.example,en\n", i, i, i, i }' \
    | call POST "/api/v1/incidents/$id/roster" -H 'Content-Type: text/csv' --data-binary @- >/dev/null
  local t0 t1 done=0
  t0=$(now)
  call POST "/api/v1/incidents/$id/notice/approve" >/dev/null
  # Done once every message is recorded sent or stalled (a stalled one is
  # never accepted, so it is not among the sent); without parking a stall
  # is recorded deferred after data_timeout, and counted once.
  local sent stalled
  while ((done < GUARDIANS)); do
    sleep 0.2
    sent=$(call GET "/api/v1/incidents/$id/deliveries?limit=1" | jq '(.summary.sent // 0) + (.summary.failed // 0)')
    stalled=$(wc -l <"$dir/stalls.txt")
    done=$((sent + stalled))
  done
  t1=$(now)
  kill "$daemon_pid" 2>/dev/null || true; wait "$daemon_pid" 2>/dev/null || true
  exec 9>&-
  wait "$smtp_pid" 2>/dev/null || true
  awk -v n="$GUARDIANS" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f\n", n / (b - a) }'
}

echo "== $GUARDIANS guardians, $CONNECTIONS connections, data_timeout ${DATA_TIMEOUT:-default}, stall_after ${STALL_AFTER:-default}, max_parked_connections ${MAX_PARKED:-default}"
plain=$(run plain)
echo "   no stalls: $plain messages/s"
stalled=$(run stalled --stall-every "$STALL_EVERY")
echo "   every ${STALL_EVERY}th message stalled: $stalled messages/s"
awk -v p="$plain" -v s="$stalled" -v k="$STALL_EVERY" 'BEGIN {
  r = p / s
  printf "\n| first attempts recorded | messages/s |\n|---|---|\n| no stalls | %d |\n| 1 in %d stalls | %d |\n| slowdown | %.1f× (target ≤ 2×: %s) |\n", p, k, s, r, (r <= 2) ? "met" : "NOT met"
}'
