#!/usr/bin/env bash
# npm run demo: installs what is missing, then hands over to scripts/demo.ts,
# which starts Kafka (unless KAFKA_BROKERS is set), migrates, creates the demo
# admin, and runs the console with the demo system until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "demo: installing dependencies (npm ci)…"
  npm ci --no-audit --no-fund
fi
exec node_modules/.bin/tsx scripts/demo.ts "$@"
