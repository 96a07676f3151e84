#!/usr/bin/env bash
# Stops what start.sh started in RUN_DIR (only the pids it recorded) and removes RUN_DIR.
set -uo pipefail
run=${1:?usage: stop.sh RUN_DIR}
[ -f "$run/pids" ] || { echo "$run has no pids file" >&2; exit 1; }
while read -r what pid; do
  [ "$what" = synapse ] || continue
  hwm=$(awk '/VmHWM/{print $2, $3}' "/proc/$pid/status" 2>/dev/null || true)
  [ -n "$hwm" ] && echo "synapse peak RSS: $hwm" >&2
  kill -TERM "$pid" 2>/dev/null || continue
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
done < "$run/pids"
rm -rf "$run"
