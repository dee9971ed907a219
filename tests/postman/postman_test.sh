#!/usr/bin/env bash
# Runs the Postman collections of docs/postman with newman against the real
# ocr-model-server and ocr-gateway, started here on free ports; fails on any
# failed assertion. The servers run with small body limits (and the
# collections are told them) so the "too large" requests stay small.
# Usage: tests/postman/postman_test.sh
#   OCR_MODEL_SERVER_BIN, OCR_GATEWAY_BIN (required; CTest sets them),
#   OCR_REPO_ROOT (default: this folder's ../..), OCR_ARTIFACTS_DIR (logs).
# Needs node and `npm ci` in this folder (scripts/install-deps.sh runs it);
# without node_modules it exits 77, which CTest reports as skipped.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="${OCR_REPO_ROOT:-$(cd "$here/../.." && pwd)}"
model_bin="${OCR_MODEL_SERVER_BIN:?set OCR_MODEL_SERVER_BIN (CTest does)}"
gateway_bin="${OCR_GATEWAY_BIN:?set OCR_GATEWAY_BIN (CTest does)}"
newman="$here/node_modules/newman/bin/newman.js"
if [ ! -f "$newman" ]; then
  echo "postman_test: skipped: newman is not installed; run 'npm ci' in $here" \
       "(scripts/install-deps.sh does)" >&2
  exit 77
fi

tmp="$(mktemp -d)"
logs="${OCR_ARTIFACTS_DIR:-$tmp}"
mkdir -p "$logs"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT

# wait_port PID FILE: the port the process wrote to FILE once ready.
wait_port() {
  local pid=$1 file=$2
  for _ in $(seq 1 600); do
    if [ -s "$file" ]; then
      cat "$file"
      return 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "postman_test: process $pid exited before it was ready" >&2
      return 1
    fi
    sleep 0.05
  done
  echo "postman_test: process $pid was not ready within 30 s" >&2
  return 1
}

max_body_bytes=$((2 << 20))
max_upload_bytes=$((1 << 20))
"$model_bin" --host=127.0.0.1 --http-port=0 --grpc-port=0 --port-file="$tmp/model.port" \
  --engines=2 --max-body-bytes="$max_body_bytes" --log-level=warning \
  2>"$logs/postman-model.log" &
pids+=($!)
model_port="$(wait_port "${pids[0]}" "$tmp/model.port")" || {
  cat "$logs/postman-model.log" >&2
  exit 1
}
"$gateway_bin" --host=127.0.0.1 --port=0 --port-file="$tmp/gateway.port" \
  --model-url="http://127.0.0.1:$model_port" \
  --max-upload-bytes="$max_upload_bytes" --log-level=warning \
  2>"$logs/postman-gateway.log" &
pids+=($!)
gateway_port="$(wait_port "${pids[1]}" "$tmp/gateway.port")" || {
  cat "$logs/postman-gateway.log" >&2
  exit 1
}

# The model collection carries the sample image as base64: it must still be
# the repository's file.
node -e '
  const fs = require("fs");
  const [collection, image] = process.argv.slice(1);
  const vars = JSON.parse(fs.readFileSync(collection, "utf8")).variable;
  const b64 = vars.find((v) => v.key === "image_b64").value;
  if (b64 !== fs.readFileSync(image).toString("base64")) {
    console.error(`postman_test: image_b64 of ${collection} is not ${image}; ` +
      "replace it with the output of base64 -w0 " + image);
    process.exit(1);
  }' "$root/docs/postman/ocr-model.postman_collection.json" \
  "$root/tests/data/images/pyt-test.png"

failures=0
run() {
  local collection=$1
  shift
  echo "== newman run docs/postman/$collection $*"
  if ! node "$newman" run "$root/docs/postman/$collection" \
      --working-dir "$root" --no-insecure-file-read \
      --reporters cli --color off --disable-unicode "$@"; then
    echo "postman_test: FAIL: $collection" >&2
    failures=$((failures + 1))
  fi
}
run ocr-model.postman_collection.json \
  --env-var "model=http://127.0.0.1:$model_port" \
  --env-var "max_body_bytes=$max_body_bytes"
run ocr-gateway.postman_collection.json \
  --env-var "gateway=http://127.0.0.1:$gateway_port" \
  --env-var "max_upload_bytes=$max_upload_bytes"

if [ "$failures" -gt 0 ]; then
  echo "postman_test: $failures collection(s) failed; logs in $logs" >&2
  exit 1
fi
echo "postman_test: ok"
