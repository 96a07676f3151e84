#!/usr/bin/env bash
# Stops what start.sh started in RUN_DIR (only the pids it recorded) and removes RUN_DIR.
set -uo pipefail
run=${1:?usage: stop.sh RUN_DIR}
[ -f "$run/pids" ] || { echo "$run has no pids file" >&2; exit 1; }
pgbin=${HARK_DEVNET_PGBIN:-/usr/lib/postgresql/15/bin}
while read -r what pid; do
  [ "$what" = node ] || continue
  # The peak memory of the network, for the notes on what the harness costs.
  hwm=$(awk '/VmHWM/{print $2, $3}' "/proc/$pid/status" 2>/dev/null || true)
  [ -n "$hwm" ] && echo "devnet node peak RSS: $hwm" >&2
  kill -TERM "$pid" 2>/dev/null || continue
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
done < "$run/pids"
if grep -q '^postgres ' "$run/pids"; then
  as_pg=()
  [ "$(id -u)" = 0 ] && as_pg=(runuser -u postgres --)
  "${as_pg[@]}" "$pgbin/pg_ctl" -D "$run/pg/data" -m fast -w stop >/dev/null 2>&1 || {
    pid=$(awk '$1=="postgres"{print $2}' "$run/pids")
    kill -TERM "$pid" 2>/dev/null || true
  }
fi
rm -rf "$run"
