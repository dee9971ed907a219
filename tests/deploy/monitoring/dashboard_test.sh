#!/usr/bin/env bash
# ctest monitoring_dashboard_schema: Grafana type check + structural checks of
# monitoring/dashboards/ocr-services.json. Needs `npm ci` in this folder.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if [ ! -d "$here/node_modules/@grafana/schema" ] || [ ! -d "$here/node_modules/typescript" ]; then
  echo "dashboard_test: run 'npm ci' in $here first (scripts/install-deps.sh does)" >&2
  exit 1
fi
node "$here/dashboard_typecheck.mjs" "$@"
node "$here/dashboard_structure.mjs" "$@"
