#!/usr/bin/env bash
# Queue throughput on PostgreSQL: breachd's PgStore against the npm package
# graphile-worker, on the same server, with the same concurrency, in one run.
#
#   benches/queue/run.sh [--jobs N] [--concurrency K] [--rounds R]
#
# Each side gets a fresh database (created here, dropped at the end) on the
# server of $BENCH_DATABASE_URL (else $TEST_DATABASE_URL, else
# postgres://root@127.0.0.1:5432/test), N no-op jobs planned up front (not
# timed), then K concurrent workers run them; the time runs from the first
# claim to the last completion. breachd is measured claiming one job at a
# time (as each graphile-worker worker fetches one) and in batches of 64
# (the scheduler's default `scheduler.batch`), every done job appending to
# the audit chain as in the daemon (through each worker's completion queue,
# which ends the completions of the moment in one transaction), and once
# more without that append (jobs finished as skipped). R rounds (default 3) alternate the systems
# and the ratios printed are of the medians. graphile-worker is installed
# with npm into a temporary folder. Needs cargo, psql, node and npm; not run
# by CI.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo="$(pwd)"

jobs=20000
concurrency=8
rounds=3
while [ $# -gt 0 ]; do
    case "$1" in
        --jobs) jobs="$2"; shift 2 ;;
        --concurrency) concurrency="$2"; shift 2 ;;
        --rounds) rounds="$2"; shift 2 ;;
        *) echo "usage: $0 [--jobs N] [--concurrency K] [--rounds R]" >&2; exit 2 ;;
    esac
done

admin_url="${BENCH_DATABASE_URL:-${TEST_DATABASE_URL:-postgres://root@127.0.0.1:5432/test}}"
server="${admin_url%/*}"    # the URL without its database name
tmp="$(mktemp -d)"
databases=()
cleanup() {
    for db in "${databases[@]}"; do
        psql "$admin_url" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
    done
    rm -rf "$tmp"
}
trap cleanup EXIT
fresh_db() {
    local name="$1_$$"
    psql "$admin_url" -qc "CREATE DATABASE $name" >/dev/null
    databases+=("$name")
    echo "$server/$name"
}

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/breachd-target}"
echo "== building the breachd bench (release)" >&2
# Built once and run directly, so that both measurements use one binary.
bench_exe="$(cargo bench --bench queue --no-run --message-format=json \
    | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{for(const l of s.split("\n")){if(!l)continue;const m=JSON.parse(l);if(m.reason==="compiler-artifact"&&m.target&&m.target.name==="queue"&&m.executable)console.log(m.executable)}})')"
[ -x "$bench_exe" ] || { echo "the queue bench did not build" >&2; exit 1; }

echo "== graphile-worker: installing with npm" >&2
mkdir -p "$tmp/gw"
(cd "$tmp/gw" && npm init -y >/dev/null 2>&1 && npm install --no-audit --no-fund --silent graphile-worker pg >&2)
cp "$repo/benches/queue/graphile.js" "$tmp/gw/"

# Rounds alternate the two systems, so that a machine busy with something
# else for a while slows both; the ratios are of the medians.
for round in $(seq 1 "$rounds"); do
    echo "== round $round/$rounds: $jobs no-op jobs, $concurrency workers" >&2
    # breachd claiming 1 job at a time and 64 (the scheduler's default),
    # each job finished as done (audited, as in the daemon); then 1 at a
    # time unaudited, to show what the audit-chain append costs.
    for run in "1" "64" "1 --unaudited"; do
        set -- $run
        name="b$1${2:+u}"
        url="$(fresh_db "breachd_bench_${name}_$round")"
        "$bench_exe" --bench --url "$url" --jobs "$jobs" --concurrency "$concurrency" \
            --batch "$@" | tail -n1 | tee -a "$tmp/breachd-$name.jsonl"
    done
    url="$(fresh_db "graphile_bench_$round")"
    (cd "$tmp/gw" && DATABASE_URL="$url" npx --no-install graphile-worker --schema-only >&2)
    (cd "$tmp/gw" && DATABASE_URL="$url" JOBS="$jobs" CONCURRENCY="$concurrency" node graphile.js) \
        | tail -n1 | tee -a "$tmp/graphile.jsonl"
done

node -e '
const fs = require("fs");
const read = (f) => fs.readFileSync(f, "utf8").trim().split("\n").map((l) => JSON.parse(l));
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const gw = read(process.argv[1]);
const gwRate = median(gw.map((r) => r.jobs_per_second));
for (const f of process.argv.slice(2)) {
  const bd = read(f);
  const rate = median(bd.map((r) => r.jobs_per_second));
  const b = bd[0];
  console.log(`median of ${bd.length}: breachd (batch ${b.batch}${b.audited ? "" : ", unaudited"}) ${rate.toFixed(0)} jobs/s / ` +
    `graphile-worker ${gw[0].version} ${gwRate.toFixed(0)} jobs/s, ${b.concurrency} workers = ${(rate / gwRate).toFixed(2)}x (target >= 1x)`);
}' "$tmp/graphile.jsonl" "$tmp/breachd-b1.jsonl" "$tmp/breachd-b64.jsonl" "$tmp/breachd-b1u.jsonl"
