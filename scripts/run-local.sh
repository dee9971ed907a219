#!/usr/bin/env bash
# Starts the model service and the gateway as local processes, waits until
# both are ready, prints where to reach them, and stops both on Ctrl-C.
# Usage: scripts/run-local.sh [BUILD_DIR]
# Environment: MODEL_PORT (default 8080), MODEL_GRPC_PORT (default 8081),
# GATEWAY_PORT (default 8001), and any
# OCR_* / GATEWAY_* setting of the services (see their --help).
set -euo pipefail
build_dir=${1:-build}
model_port=${MODEL_PORT:-8080}
gateway_port=${GATEWAY_PORT:-8001}
model_grpc_port=${MODEL_GRPC_PORT:-8081}
model_bin="$build_dir/src/model_server/ocr-model-server"
gateway_bin="$build_dir/src/gateway/ocr-gateway"
for bin in "$model_bin" "$gateway_bin"; do
  [ -x "$bin" ] || { echo "run-local: $bin is not built" >&2; exit 1; }
done

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

# wait_ready NAME PORT_FILE PID
wait_ready() {
  for _ in $(seq 1 400); do
    [ -s "$2" ] && return 0
    if ! kill -0 "$3" 2>/dev/null; then
      echo "run-local: $1 exited (its log is above)" >&2
      exit 1
    fi
    sleep 0.05
  done
  echo "run-local: $1 not ready after 20 s" >&2
  exit 1
}

"$model_bin" --http-port="$model_port" --grpc-port="$model_grpc_port" \
  --port-file="$run_dir/model.port" &
pids+=($!)
wait_ready "the model service" "$run_dir/model.port" "${pids[0]}"

# Jobs are kept in a local data folder (GATEWAY_JOB_DIR overrides), so they
# survive a restart of make run.
repo="$(cd "$(dirname "$0")/.." && pwd)"
job_dir="${GATEWAY_JOB_DIR:-$repo/data/jobs}"
mkdir -p "$job_dir"
"$gateway_bin" --port="$gateway_port" --port-file="$run_dir/gateway.port" \
  --model-url="http://127.0.0.1:$model_port" --job-dir="$job_dir" &
pids+=($!)
wait_ready "the gateway" "$run_dir/gateway.port" "${pids[1]}"

sample="${SAMPLE_IMAGE:-$repo/tests/data/images/pyt-test.png}"
gw="http://127.0.0.1:$gateway_port"
model="http://127.0.0.1:$model_port"
cat <<INFO

  OCR is running.
    Web page       $gw/
    API            POST $gw/gateway/ocr   (multipart, field image_file)
    Jobs           POST $gw/gateway/jobs  (documents of any length; kept in $job_dir)
    API docs       $gw/docs   ($gw/openapi.json)
    Metrics        $gw/metrics   and   $model/metrics
    Model (KServe) $model/v2/models/ocr-model   (V2 gRPC on 127.0.0.1:$model_grpc_port)

  Try it:
    curl -F image_file=@$sample $gw/gateway/ocr
    curl -H 'Accept: text/plain' -F image_file=@$sample '$gw/gateway/ocr?psm=3'
    curl -si -F image_file=@$sample $gw/gateway/jobs    # 202, Location: /gateway/jobs/<id>

  Ctrl-C stops both.

INFO
wait -n "${pids[@]}" || true
