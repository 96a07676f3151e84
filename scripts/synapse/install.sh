#!/usr/bin/env bash
# Installs Synapse (the matrix-synapse package, pinned) into a virtualenv beside this
# script. About a minute and 240 MB; run once (CI: cache venv/).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
version=1.163.2
# The package's own metadata (synapse.__version__ adds the git branch of the directory).
if "$here/venv/bin/python" -c "import importlib.metadata as m,sys; sys.exit(m.version('matrix-synapse') != '$version')" 2>/dev/null; then
  exit 0
fi
python3 -m venv "$here/venv"
"$here/venv/bin/pip" install --quiet --disable-pip-version-check "matrix-synapse==$version"
"$here/venv/bin/python" -c "import importlib.metadata as m; print('synapse', m.version('matrix-synapse'))"
