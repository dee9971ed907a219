#!/usr/bin/env bash
# ctest monitoring_prometheus_e2e: the real model service and gateway, scraped
# by a real Prometheus (1s scrapes, the project's rule file evaluated every
# 1s), get real traffic including failures; then every dashboard panel query,
# the seed dashboard's queries and every recording/alerting rule must return
# data (prom_check.mjs all), and stopping the model must make OCRTargetDown's
# condition true and the alert active. Gateway "a" also runs asynchronous
# jobs: a 3-page PDF (img2pdf from tests/data/images) submitted twice, the
# first with a webhook to a closed port, which fails and gives up, so the
# Jobs row's panels and the job alerts have data.
#
# Processes: model, gateway "a" (-> model), gateway "b" (-> a closed port, so
# the upstream retry/failure metrics exist, as with a dead model pod), gateway
# "c" (-> the model's V2 gRPC port, --upstream-protocol=grpc, so the gRPC
# panels have calls, OK and failed), and prometheus, all on 127.0.0.1 free
# ports. Everything is stopped and the temp dir removed by the EXIT trap.
#
# Environment: OCR_MODEL_SERVER_BIN, OCR_GATEWAY_BIN, OCR_TESTDATA_DIR.
# Usage: prometheus_e2e.sh [REPO_ROOT]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "${1:-$here/../../..}" && pwd)
: "${OCR_MODEL_SERVER_BIN:?path of ocr-model-server}"
: "${OCR_GATEWAY_BIN:?path of ocr-gateway}"
: "${OCR_TESTDATA_DIR:?path of the test data (tests/data)}"
image="$OCR_TESTDATA_DIR/images/pyt-test.png"
rules="$root/monitoring/prometheus/rules/ocr-services.rules.yaml"
dashboard="$root/monitoring/dashboards/ocr-services.json"
for f in "$OCR_MODEL_SERVER_BIN" "$OCR_GATEWAY_BIN" "$image" "$rules" "$dashboard"; do
  [ -e "$f" ] || { echo "e2e: missing $f" >&2; exit 1; }
done
for tool in prometheus curl node img2pdf; do
  command -v "$tool" >/dev/null || { echo "e2e: $tool not found" >&2; exit 1; }
done

started=$(date +%s)
work=$(mktemp -d /tmp/ocr-monitoring-e2e.XXXXXX)
pids=()
cleanup() {
  local rc=$?
  trap - EXIT
  if [ "$rc" -ne 0 ]; then
    for log in "$work"/*.log; do
      [ -f "$log" ] && { echo "--- $(basename "$log") (last lines)"; tail -n 10 "$log"; }
    done
  fi
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  # Both services drain on SIGTERM; do not wait forever for them.
  for _ in $(seq 1 100); do
    local alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ "$alive" -eq 0 ] && break
    sleep 0.1
  done
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
  echo "e2e: finished in $(( $(date +%s) - started ))s (exit $rc)"
  exit "$rc"
}
trap cleanup EXIT

# A free 127.0.0.1 port, from the kernel (bound then released).
free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close();});'
}

# wait_port_file NAME FILE PID: the services write their port once listening.
wait_port_file() {
  for _ in $(seq 1 300); do
    [ -s "$2" ] && return 0
    kill -0 "$3" 2>/dev/null || { echo "e2e: $1 exited during start-up" >&2; exit 1; }
    sleep 0.1
  done
  echo "e2e: $1 did not start within 30s" >&2
  exit 1
}

# wait_http URL CODE: poll until URL answers CODE (30s).
wait_http() {
  for _ in $(seq 1 300); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$1" || true)" = "$2" ] && return 0
    sleep 0.1
  done
  echo "e2e: $1 never answered $2" >&2
  exit 1
}

# expect CODE curl-args...: one request to a service, with its status asserted
# so that the traffic really contains the failures the queries look for.
expect() {
  local want=$1 got
  shift
  got=$(curl -s -o /dev/null -w '%{http_code}' "$@" || true)
  if [ "$got" != "$want" ]; then
    echo "e2e: expected $want, got $got from: curl $*" >&2
    exit 1
  fi
}

# --- services -------------------------------------------------------------
OMP_THREAD_LIMIT=1 "$OCR_MODEL_SERVER_BIN" --host=127.0.0.1 --http-port=0 --grpc-port=0 \
  --port-file="$work/model.port" --grpc-port-file="$work/model-grpc.port" >"$work/model.log" 2>&1 &
model_pid=$!
pids+=("$model_pid")
wait_port_file "the model service" "$work/model.port" "$model_pid"
wait_port_file "the model's gRPC port" "$work/model-grpc.port" "$model_pid"
model_port=$(cat "$work/model.port")
model_grpc_port=$(cat "$work/model-grpc.port")
wait_http "http://127.0.0.1:$model_port/v2/health/ready" 200

dead_port=$(free_port)   # nothing listens there: connections are refused
"$OCR_GATEWAY_BIN" --host=127.0.0.1 --port=0 --port-file="$work/gateway-a.port" \
  --model-url="http://127.0.0.1:$model_port" --job-dir="$work/jobs-a" \
  --webhook-secret="whsec_$(head -c 32 /dev/urandom | base64 -w0)" \
  --callback-allow='http://127.0.0.1:*' >"$work/gateway-a.log" 2>&1 &
pids+=($!)
wait_port_file "gateway a" "$work/gateway-a.port" "$!"
gw_a=$(cat "$work/gateway-a.port")

# --- jobs -------------------------------------------------------------------
# A 3-page PDF; the first job's webhook goes to the closed port: 6 attempts
# over 15-31 s, then gave_up (submitted now, so the retries overlap the rest).
img2pdf "$image" "$OCR_TESTDATA_DIR/images/tjs-simple.png" "$image" -o "$work/doc.pdf"
# submit_job [QUERY]: POST /gateway/jobs (202 asserted), prints the job's id.
submit_job() {
  local out="$work/submit.json" code
  code=$(curl -s -o "$out" -w '%{http_code}' -F "image_file=@$work/doc.pdf;type=application/pdf" \
    "http://127.0.0.1:$gw_a/gateway/jobs${1:-}" || true)
  [ "$code" = 202 ] || { echo "e2e: job submission answered $code: $(cat "$out")" >&2; exit 1; }
  node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).id)' "$out"
}
# wait_job ID: until the job ends (60 s); it must have succeeded, 3 pages.
wait_job() {
  local status="$work/job-$1.json"
  for _ in $(seq 1 6); do
    curl -s -o "$status" "http://127.0.0.1:$gw_a/gateway/jobs/$1?wait=10" || true
    # shellcheck disable=SC2016  # JavaScript's template literal, not the shell's
    if node -e '
      const j = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
      if (j.status === "queued" || j.status === "running") process.exit(2);
      if (j.status !== "succeeded" || j.pages_total !== 3 || j.pages_done !== 3) {
        console.error(`e2e: job ended ${JSON.stringify(j)}`); process.exit(1);
      }' "$status"; then return 0
    elif [ $? = 1 ]; then exit 1
    fi
  done
  echo "e2e: job $1 did not end in 60s: $(cat "$status")" >&2
  exit 1
}
job_with_hook=$(submit_job "?callback_url=http%3A%2F%2F127.0.0.1%3A$dead_port%2Fhook")
wait_job "$job_with_hook"
"$OCR_GATEWAY_BIN" --host=127.0.0.1 --port=0 --port-file="$work/gateway-b.port" \
  --model-url="http://127.0.0.1:$dead_port" --retries=2 --retry-backoff=0.01 \
  >"$work/gateway-b.log" 2>&1 &
pids+=($!)
wait_port_file "gateway b" "$work/gateway-b.port" "$!"
gw_b=$(cat "$work/gateway-b.port")

"$OCR_GATEWAY_BIN" --host=127.0.0.1 --port=0 --port-file="$work/gateway-c.port" \
  --upstream-protocol=grpc --model-url="grpc://127.0.0.1:$model_grpc_port" \
  >"$work/gateway-c.log" 2>&1 &
pids+=($!)
wait_port_file "gateway c" "$work/gateway-c.port" "$!"
gw_c=$(cat "$work/gateway-c.port")

# --- prometheus -----------------------------------------------------------
prom_port=$(free_port)
cat >"$work/prometheus.yml" <<YAML
# Generated by prometheus_e2e.sh: the compose config's jobs on 127.0.0.1.
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files:
  - $rules
scrape_configs:
  - job_name: ocr-model-server
    static_configs:
      - targets: ['127.0.0.1:$model_port']
  - job_name: ocr-gateway
    static_configs:
      - targets: ['127.0.0.1:$gw_a', '127.0.0.1:$gw_b', '127.0.0.1:$gw_c']
YAML
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/tsdb" \
  --web.listen-address="127.0.0.1:$prom_port" --log.level=warn \
  >"$work/prometheus.log" 2>&1 &
pids+=($!)
export PROM_URL="http://127.0.0.1:$prom_port"
wait_http "$PROM_URL/-/ready" 200
check() { node "$here/prom_check.mjs" "$@"; }
check wait 'count(up{job=~"ocr-.*"} == 1) == 4' 30

# --- traffic --------------------------------------------------------------
m="http://127.0.0.1:$model_port"
bad_v2='{"inputs":[{"name":"input-0","shape":[1],"datatype":"BYTES","data":["aGVsbG8="]}]}'
traffic() {
  local n=$1
  for _ in $(seq 1 "$n"); do
    expect 200 -F "image_file=@$image" "http://127.0.0.1:$gw_a/gateway/ocr"
    expect 415 -F "image_file=@$rules" "http://127.0.0.1:$gw_a/gateway/ocr"          # not an image
    expect 400 -F "image_file=@$image" "http://127.0.0.1:$gw_a/gateway/ocr?lang=klingon"
    expect 503 -F "image_file=@$image" "http://127.0.0.1:$gw_b/gateway/ocr"          # model unreachable
    expect 200 -F "image_file=@$image" "http://127.0.0.1:$gw_c/gateway/ocr"          # over V2 gRPC
    expect 400 -F "image_file=@$image" "http://127.0.0.1:$gw_c/gateway/ocr?lang=klingon"  # InvalidArgument
    expect 400 -H 'Content-Type: application/json' -d "$bad_v2" "$m/v2/models/ocr-model/infer"
    expect 400 -H 'Content-Type: application/json' -d '{"inputs":[]}' "$m/v2/models/ocr-model/infer"
    expect 404 -H 'Content-Type: application/json' -d "$bad_v2" "$m/v2/models/nope/infer"
  done
}
# Round 1 creates the series (a counter is born at its first increment, so
# rate() needs a later sample); round 2, once scraped, makes the rates move.
traffic 1
check wait 'gateway_upstream_failures_total and on () count(request_errors_total{reason="unsupported_media_type"})' 30
check wait 'ocr_mean_word_confidence_count' 30
check wait 'grpc_server_handled_total{grpc_method="ModelInfer", grpc_code="InvalidArgument"}' 30
check wait 'gateway_jobs_finished_total{status="succeeded"}' 30
sleep 2
traffic 3
# A second job, so that the job counters and page histogram move while
# Prometheus watches; then the first job's webhook must have given up.
wait_job "$(submit_job)"
check wait 'gateway_job_webhook_deliveries_total{outcome="gave_up"}' 60

# --- every query ----------------------------------------------------------
check all "$dashboard"

# Self-test: the same check must fail on a dashboard with one renamed metric,
# so a pass above cannot come from a check that accepts anything.
node -e '
const fs = require("fs");
const d = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
const t = d.panels.find((p) => p.targets).targets[0];
t.expr = t.expr.replace(/request_predict_seconds_count/, "request_predict_seconds_typo");
fs.writeFileSync(process.argv[2], JSON.stringify(d));' "$dashboard" "$work/broken.json"
if PROM_CHECK_DEADLINE_SECONDS=0 check all "$work/broken.json" >"$work/broken-check.log" 2>&1; then
  echo "e2e: FAIL: the query check accepted a dashboard with a misspelt metric" >&2
  exit 1
fi
grep -q 'request_predict_seconds_typo' "$work/broken-check.log"
echo "ok: self-test: a misspelt metric is reported as no data"

# --- target down ------------------------------------------------------------
kill -TERM "$model_pid"
for _ in $(seq 1 100); do kill -0 "$model_pid" 2>/dev/null || break; sleep 0.1; done
check target-down ocr-model-server
echo "e2e: ok"
