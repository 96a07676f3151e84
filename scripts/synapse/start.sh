#!/usr/bin/env bash
# Starts a private Synapse on 127.0.0.1: SQLite, no federation, no key servers,
# registration by shared secret only. Prints one JSON line: "homeserver", "run_dir",
# "config"; pass run_dir to stop.sh. HARK_SYNAPSE_TIGHT=1 keeps Synapse's message rate
# limit tight (a few messages, then a real 429); otherwise limits are raised.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
py="$here/venv/bin/python"
[ -x "$py" ] || { echo "Synapse is not installed: run $here/install.sh" >&2; exit 1; }

run=$(mktemp -d "${TMPDIR:-/tmp}/hark-synapse.XXXXXX")
: > "$run/pids"
port=$("$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
secret=$("$py" -c 'import secrets; print(secrets.token_hex(16))')
if [ "${HARK_SYNAPSE_TIGHT:-0}" = 1 ]; then
  messages="{per_second: 0.2, burst_count: 3}"
else
  messages="{per_second: 1000, burst_count: 1000}"
fi
cat > "$run/log.config" <<LOG
version: 1
formatters: {plain: {format: '%(asctime)s %(levelname)s %(name)s %(message)s'}}
handlers: {file: {class: logging.FileHandler, filename: $run/homeserver.log, formatter: plain}}
root: {level: WARNING, handlers: [file]}
disable_existing_loggers: false
LOG
cat > "$run/homeserver.yaml" <<CONF
server_name: nimbus.test
pid_file: $run/homeserver.pid
listeners:
  - port: $port
    bind_addresses: ['127.0.0.1']
    type: http
    tls: false
    x_forwarded: false
    resources: [{names: [client], compress: false}]
database: {name: sqlite3, args: {database: $run/homeserver.db}}
log_config: $run/log.config
media_store_path: $run/media
signing_key_path: $run/signing.key
registration_shared_secret: "$secret"
enable_registration: false
report_stats: false
trusted_key_servers: []
suppress_key_server_warning: true
federation_domain_whitelist: []
presence: {enabled: false}
enable_metrics: false
rc_message: $messages
rc_registration: {per_second: 1000, burst_count: 1000}
rc_login:
  address: {per_second: 1000, burst_count: 1000}
  account: {per_second: 1000, burst_count: 1000}
  failed_attempts: {per_second: 1000, burst_count: 1000}
rc_joins:
  local: {per_second: 1000, burst_count: 1000}
  remote: {per_second: 1000, burst_count: 1000}
rc_invites:
  per_room: {per_second: 1000, burst_count: 1000}
  per_user: {per_second: 1000, burst_count: 1000}
CONF
"$py" -m synapse.app.homeserver -c "$run/homeserver.yaml" --generate-keys >"$run/keys.log" 2>&1 \
  || { cat "$run/keys.log" >&2; exit 1; }
"$py" -m synapse.app.homeserver -c "$run/homeserver.yaml" >"$run/stdout.log" 2>&1 &
echo "synapse $!" >> "$run/pids"
pid=$!
for _ in $(seq 1 600); do
  if "$py" -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:$port/_matrix/client/versions', timeout=1)" 2>/dev/null; then
    echo "{\"homeserver\":\"http://127.0.0.1:$port\",\"run_dir\":\"$run\",\"config\":\"$run/homeserver.yaml\"}"
    exit 0
  fi
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "Synapse exited during start-up; its log:" >&2
    tail -40 "$run/stdout.log" "$run/homeserver.log" >&2 || true
    "$here/stop.sh" "$run" >&2 || true
    exit 1
  fi
  sleep 0.2
done
echo "Synapse did not start within 120 s; its log:" >&2
tail -40 "$run/homeserver.log" >&2 || true
"$here/stop.sh" "$run" >&2 || true
exit 1
