// graphile-worker's side of benches/queue/run.sh: N no-op jobs added in bulk
// with graphile_worker.add_job in SQL (not timed), then a worker with
// `concurrency` K runs them; prints one JSON line like the Rust bench.
// Timed from the first job's start to the N-th job's completion.
const { run } = require("graphile-worker");
const { Client } = require("pg");

async function main() {
  const url = process.env.DATABASE_URL;
  const jobs = Number(process.env.JOBS || 20000);
  const concurrency = Number(process.env.CONCURRENCY || 8);
  const client = new Client({ connectionString: url });
  await client.connect();
  await client.query(
    "SELECT graphile_worker.add_job('noop', '{}'::json) FROM generate_series(1, $1)",
    [jobs],
  );
  await client.end();

  let started = null;
  let done = 0;
  let finish;
  const finished = new Promise((resolve) => (finish = resolve));
  const runner = await run({
    connectionString: url,
    concurrency,
    maxPoolSize: concurrency + 2,
    noHandleSignals: true,
    pollInterval: 1000,
    taskList: { noop: async () => {} },
  });
  runner.events.on("job:start", () => {
    if (started === null) started = process.hrtime.bigint();
  });
  runner.events.on("job:success", () => {
    done += 1;
    if (done === jobs) finish(process.hrtime.bigint());
  });
  const ended = await finished;
  await runner.stop();
  const seconds = Number(ended - started) / 1e9;
  console.log(
    JSON.stringify({
      system: "graphile-worker",
      version: require("graphile-worker/package.json").version,
      jobs: done,
      concurrency,
      seconds,
      jobs_per_second: done / seconds,
    }),
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
