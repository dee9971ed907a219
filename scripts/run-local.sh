#!/usr/bin/env bash
# Starts the services as local processes on their default ports, waits until
# they are ready, prints where to reach them, and stops them on Ctrl-C.
# Usage: scripts/run-local.sh [BUILD_DIR]
# Environment: MODEL_PORT (default 8080), plus any OCR_* setting of the
# model server (see `ocr-model-server --help`).
set -euo pipefail
build_dir=${1:-build}
model_port=${MODEL_PORT:-8080}
model_bin="$build_dir/src/model_server/ocr-model-server"
[ -x "$model_bin" ] || { echo "run-local: $model_bin not built" >&2; exit 1; }

run_dir=$(mktemp -d /tmp/ocr-run.XXXXXX)
pids=()
stop() {
  trap - INT TERM EXIT
  if [ "${#pids[@]}" -gt 0 ]; then
    echo
    echo "Stopping..."
    kill -TERM "${pids[@]}" 2>/dev/null || true
    wait "${pids[@]}" 2>/dev/null || true
  fi
  rm -rf "$run_dir"
}
trap stop INT TERM EXIT

"$model_bin" --http-port="$model_port" --port-file="$run_dir/model.port" &
pids+=($!)

for _ in $(seq 1 200); do
  [ -s "$run_dir/model.port" ] && break
  if ! kill -0 "${pids[0]}" 2>/dev/null; then
    echo "run-local: the model server exited; see its log above" >&2
    exit 1
  fi
  sleep 0.05
done
[ -s "$run_dir/model.port" ] || { echo "run-local: model server not ready" >&2; exit 1; }

sample="${SAMPLE_IMAGE:-../shared/testdata/images/pyt-test.png}"
cat <<INFO

  Model service (KServe V1/V2 REST)  http://127.0.0.1:$model_port/v2
    health    http://127.0.0.1:$model_port/v2/health/ready
    metadata  http://127.0.0.1:$model_port/v2/models/ocr-model
    metrics   http://127.0.0.1:$model_port/metrics

  Try it:
    printf '{"inputs":[{"name":"input-0","shape":[1],"datatype":"BYTES","data":["%s"]}]}' \\
      "\$(base64 -w0 $sample)" |
      curl -s -H 'Content-Type: application/json' --data-binary @- \\
      http://127.0.0.1:$model_port/v2/models/ocr-model/infer

  Ctrl-C stops everything.

INFO
wait -n "${pids[@]}" || true
