#!/usr/bin/env bash
# Registers a user on the Synapse start.sh started, with its shared secret.
# usage: register.sh RUN_DIR HOMESERVER USER PASSWORD
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
run=${1:?usage: register.sh RUN_DIR HOMESERVER USER PASSWORD}
"$here/venv/bin/register_new_matrix_user" -c "$run/homeserver.yaml" \
  -u "${3:?user}" -p "${4:?password}" --no-admin "${2:?homeserver}" >/dev/null
