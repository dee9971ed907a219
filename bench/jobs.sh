#!/usr/bin/env bash
# bench/jobs.sh: one scanned multi-page PDF as an asynchronous job on the
# gateway (POST /gateway/jobs), against what the same engines do in process
# and against the usual ways of OCRing a PDF:
#   pages/s     the job (text, and a searchable PDF) with E engines, against
#               the in-process limit of E engines on the same page as a PNG
#               (bench/limit), ocrmypdf --jobs E and one tesseract process
#               per page, E at a time
#   first page  submit to the first page in GET /pages, against one page's
#               own time (a 1-page PDF on /gateway/ocr, alone)
#   spread      two model processes of one engine each behind one gateway:
#               both must get pages (their request counts from /metrics)
#   memory      the gateway's and the model's RSS sampled during each job
# The PDF: --pages copies of bench/run.sh's 300-dpi A4 page, image-only
# (img2pdf --imgsize 300dpi, as a scanner makes them).
set -euo pipefail

usage() {
  cat <<'EOF2'
Usage: bench/jobs.sh [--build-dir DIR] [--tools-dir DIR] [--pages P]
                     [--engines E] [--smoke]
  --build-dir DIR  build folder holding the services (default: build)
  --tools-dir DIR  build folder holding the bench programs (default: the
                   build dir)
  --pages P        pages of the PDF (default: 24; 200 for a long run)
  --engines E      engines (default: nproc)
  --smoke          3 pages of the sample image: checks that it runs
EOF2
}

build_dir="build"
tools_dir=""
pages=24
engines=""
page="a4"
while (($#)); do
  case "$1" in
    --build-dir) build_dir="$2"; shift 2 ;;
    --tools-dir) tools_dir="$2"; shift 2 ;;
    --pages) pages="$2"; shift 2 ;;
    --engines) engines="$2"; shift 2 ;;
    --smoke) pages=3; page="sample"; shift ;;
    --help | -h) usage; exit 0 ;;
    *) echo "unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
done
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=bench/documents_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/documents_lib.sh"
engines="${engines:-$n}"
find_programs

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# start_model NAME ENGINES: one more model service (stopped with the others).
# Sets started_pid and started_url.
start_model() {
  rm -f "$work/model-$1.port"
  OMP_THREAD_LIMIT=1 "$model_bin" --host=127.0.0.1 --http-port=0 --grpc-port=0 \
    --port-file="$work/model-$1.port" --engines="$2" --log-level=warning \
    >"$work/model-$1.log" 2>&1 &
  started_pid=$!
  extra_gateway_pids="$extra_gateway_pids $started_pid"
  started_url="http://127.0.0.1:$(wait_port "$work/model-$1.port")"
  wait_ready "$started_url/v2/health/ready"
}

# sample_rss OUT GATEWAY_PID MODEL_PID...: every 0.2 s, "gateway model" RSS
# in MiB (the model's summed over its processes and engine workers).
sample_rss() {
  local out="$1" gw="$2" pid m
  shift 2
  while :; do
    m=0
    for pid in "$@"; do m="$(calc "$m + $(tree_rss_mb "$pid")")"; done
    echo "$(rss_mb "$gw" 2>/dev/null || echo 0) $m" >>"$out"
    sleep 0.2
  done
}

# rss_summary FILE COLUMN: "peak (mean)" of a column of sample_rss.
rss_summary() {
  awk -v c="$2" '{ s += $c; if ($c > m) m = $c } END { if (NR) printf "%.0f (%.0f)", m, s / NR; else print "-" }' "$1"
}

# run_job GATEWAY_URL QUERY GATEWAY_PID MODEL_PID...: submits $job_pdf
# (default: the document) as a job, polls /pages for the first page, waits for the end. Sets job_seconds,
# job_first_ms, job_done, job_failed, job_rss_gateway, job_rss_model.
run_job() {
  local gw="$1" query="$2" gw_pid="$3" start code id status="" body
  shift 3
  rm -f "$work/rss"
  sample_rss "$work/rss" "$gw_pid" "$@" &
  local sampler=$!
  start="$(now_ms)"
  code="$(curl -s -o "$work/submit.json" -w '%{http_code}' \
    -F "image_file=@${job_pdf:-$work/doc.pdf};type=application/pdf" "$gw/gateway/jobs$query")"
  if [[ "$code" != 202 ]]; then
    kill "$sampler"
    echo "job submission answered $code: $(cat "$work/submit.json")" >&2
    exit 1
  fi
  id="$(sed -n 's/.*"id":"\([^"]*\)".*/\1/p' "$work/submit.json")"
  job_first_ms=""
  local polls=0
  while [[ -z "$job_first_ms" ]]; do
    if [[ -n "$(curl -fsS "$gw/gateway/jobs/$id/pages")" ]]; then
      job_first_ms=$(($(now_ms) - start))
    elif ((++polls % 20 == 0)) && ! grep -qE '"status":"(queued|running)"' \
      <<<"$(curl -fsS "$gw/gateway/jobs/$id")"; then
      job_first_ms=-  # ended without a page
    else
      sleep 0.05
    fi
  done
  # Until the job ends (succeeded, partially_succeeded, failed, cancelled).
  while [[ -z "$status" || "$status" == queued || "$status" == running ]]; do
    body="$(curl -fsS "$gw/gateway/jobs/$id?wait=10")"
    status="$(sed -n 's/.*"status":"\([a-z_]*\)".*/\1/p' <<<"$body")"
  done
  job_seconds="$(calc "($(now_ms) - $start) / 1000")"
  kill "$sampler"
  wait "$sampler" 2>/dev/null || true
  job_done="$(sed -n 's/.*"pages_done":\([0-9]*\).*/\1/p' <<<"$body")"
  job_failed="$(sed -n 's/.*"pages_failed":\([0-9]*\).*/\1/p' <<<"$body")"
  job_rss_gateway="$(rss_summary "$work/rss" 1)"
  job_rss_model="$(rss_summary "$work/rss" 2)"
}

# infer_count MODEL_URL: requests the model has recognised (its histogram).
infer_count() { predict_totals "$1/metrics" | awk '{ print $2 }'; }

rows=()
# row WHAT SECONDS OK FAILED GATEWAY_RSS MODEL_RSS: one line of the table
# (pages/s from the pages that succeeded).
row() {
  local pps
  pps="$(awk -v p="$3" -v s="$2" 'BEGIN { if (s > 0) printf "%.3f", p / s; else print 0 }')"
  rows+=("$1|$2|$pps|$3/$4|$5|$6")
}

load_before="$(cut -d' ' -f1-3 /proc/loadavg)"

# --- the pages ----------------------------------------------------------
if [[ "$page" == a4 ]]; then
  "$page_bin" a4 "$sample_image" "$work/page.png"
  page_name="bench/run.sh's A4 page (2480x3508, 300 dpi)"
else
  cp "$sample_image" "$work/page.png"
  page_name="the sample image"
fi
documents_pdf "$work/page.png" "$pages" "$work/doc.pdf"
documents_pdf "$work/page.png" 1 "$work/one.pdf"

echo "jobs: the in-process limit of $engines engines on the page..." >&2
limit_json="$(OMP_THREAD_LIMIT=1 "$limit_bin" --image="$work/page.png" --engines="$engines" \
  --concurrency="$engines" --seconds=0 --min-requests="$pages" --requests="$pages" --max-seconds=3600)"
limit_pps="$(field "$limit_json" throughput)"
limit_ok=$(($(field "$limit_json" count) - $(field "$limit_json" errors)))
row "limit (in-process), the page as PNG, $engines engines" "$(field "$limit_json" seconds)" \
  "$limit_ok" "$(field "$limit_json" errors)" - -

# --- one model of E engines, one gateway --------------------------------
start_services "$engines"
start_gateway jobs "$model_url" --job-dir="$work/jobs-1" --job-page-concurrency="$engines" --timeout=1800
jobs_url="$started_url"
jobs_pid="$started_pid"
echo "jobs: one page alone (warm-up, then 3 at c=1)..." >&2
"$load_bin" --mode=multipart --url="$jobs_url/gateway/ocr" --image="$work/one.pdf" \
  --connections=1 --seconds=0 --min-requests=1 --requests=1 --max-seconds=600 >/dev/null
alone_json="$("$load_bin" --mode=multipart --url="$jobs_url/gateway/ocr" --image="$work/one.pdf" \
  --connections=1 --seconds=0 --min-requests=3 --requests=3 --max-seconds=1800)"
alone_ms="$(field "$alone_json" p50_ms)"
echo "jobs: a 1-page job..." >&2
job_pdf="$work/one.pdf" run_job "$jobs_url" "" "$jobs_pid" "$model_pid"
one_job_ms="$job_first_ms"
echo "jobs: the ${pages}-page PDF as a job, text..." >&2
run_job "$jobs_url" "" "$jobs_pid" "$model_pid"
text_pps="$(ratio "$job_done" "$job_seconds")"
first_ms="$job_first_ms"
row "job, text: 1 gateway, 1 model of $engines engines" "$job_seconds" "$job_done" "$job_failed" \
  "$job_rss_gateway" "$job_rss_model"
echo "jobs: the same job, output=pdf..." >&2
run_job "$jobs_url" "?output=pdf" "$jobs_pid" "$model_pid"
pdf_pps="$(ratio "$job_done" "$job_seconds")"
row "job, searchable PDF (output=pdf)" "$job_seconds" "$job_done" "$job_failed" \
  "$job_rss_gateway" "$job_rss_model"
stop_services

# --- two model processes of one engine each, one gateway ----------------
echo "jobs: two models of one engine behind one gateway..." >&2
start_model a 1
model_a_url="$started_url" model_a_pid="$started_pid"
start_model b 1
model_b_url="$started_url" model_b_pid="$started_pid"
start_gateway two "$model_a_url,$model_b_url" --job-dir="$work/jobs-2" --job-page-concurrency=1 --timeout=1800
before_a="$(infer_count "$model_a_url")" before_b="$(infer_count "$model_b_url")"
run_job "$started_url" "" "$started_pid" "$model_a_pid" "$model_b_pid"
count_a=$(($(infer_count "$model_a_url") - before_a))
count_b=$(($(infer_count "$model_b_url") - before_b))
two_pps="$(ratio "$job_done" "$job_seconds")"
row "job, text: 1 gateway, 2 models of 1 engine" "$job_seconds" "$job_done" "$job_failed" \
  "$job_rss_gateway" "$job_rss_model"
stop_services

# --- the alternatives -----------------------------------------------------
ocrmypdf_pps=""
if command -v ocrmypdf >/dev/null; then
  echo "jobs: ocrmypdf --jobs $engines..." >&2
  start="$(now_ms)"
  ok=0
  if OMP_THREAD_LIMIT=1 ocrmypdf --jobs "$engines" --output-type pdf --optimize 0 --quiet \
    --sidecar "$work/ocrmypdf.txt" "$work/doc.pdf" "$work/ocrmypdf.pdf" 2>"$work/ocrmypdf.log"; then
    ok="$pages"
  fi
  seconds="$(calc "($(now_ms) - $start) / 1000")"
  ocrmypdf_pps="$(ratio "$ok" "$seconds")"
  row "ocrmypdf --jobs $engines (searchable PDF + sidecar text)" "$seconds" "$ok" $((pages - ok)) - -
else
  echo "jobs: ocrmypdf not installed: its row is left out" >&2
fi
echo "jobs: one tesseract process per page, $engines at a time..." >&2
start="$(now_ms)"
# shellcheck disable=SC2016  # $1 is sh -c's argument
ok="$(seq 1 "$pages" | xargs -P "$engines" -I{} sh -c \
  'OMP_THREAD_LIMIT=1 tesseract "$1" - >/dev/null 2>&1 && echo ok' page{} "$work/page.png" |
  grep -c ok || true)"
seconds="$(calc "($(now_ms) - $start) / 1000")"
cli_pps="$(ratio "$ok" "$seconds")"
row "tesseract CLI, one process per page (the PNG), $engines at a time" "$seconds" "$ok" $((pages - ok)) - -

# --- report -------------------------------------------------------------
echo "Jobs: a ${pages}-page image-only PDF of $page_name (img2pdf at 300 dpi, $(($(stat -c %s "$work/doc.pdf") / 1024)) KiB); $(machine_line); E = $engines engines; load average $load_before before, $(cut -d' ' -f1-3 /proc/loadavg) after."
echo
echo "| what | seconds | pages/s | / limit | text job / this | ok/failed pages | gateway RSS MiB peak (mean) | model RSS MiB peak (mean) |"
echo "|---|---|---|---|---|---|---|---|"
for r in "${rows[@]}"; do
  IFS='|' read -r what seconds pps okf gw model <<<"$r"
  echo "| $what | $seconds | $pps | $(ratio "$pps" "$limit_pps") | $(ratio "$text_pps" "$pps") | $okf | $gw | $model |"
done
echo
echo "| first page | ms | / one page alone |"
echo "|---|---|---|"
echo "| one page alone: the 1-page PDF on /gateway/ocr, c=1, p50 of 3 | $alone_ms | 1.00 |"
echo "| a 1-page job: submission to its page in GET /pages | $one_job_ms | $(ratio "$one_job_ms" "$alone_ms") |"
echo "| the ${pages}-page job: submission to the first page in GET /pages ($engines pages start at once) | $first_ms | $(ratio "$first_ms" "$alone_ms") |"
echo
echo "| model process (1 engine each, one gateway, --job-page-concurrency=1) | pages recognised during the job |"
echo "|---|---|"
echo "| a | $count_a |"
echo "| b | $count_b |"
echo
echo "Summary:"
echo "- text job / in-process limit = $(ratio "$text_pps" "$limit_pps") (searchable PDF: $(ratio "$pdf_pps" "$limit_pps"); 2 models of 1 engine: $(ratio "$two_pps" "$limit_pps"))"
echo "- first page after $first_ms ms = $(ratio "$first_ms" "$alone_ms") x one page alone ($alone_ms ms; a 1-page job: $(ratio "$one_job_ms" "$alone_ms") x)"
both="NO"
((count_a > 0 && count_b > 0)) && both="yes"
echo "- both model processes got pages: $both ($count_a + $count_b)"
if [[ -n "$ocrmypdf_pps" ]]; then
  echo "- text job / ocrmypdf = $(ratio "$text_pps" "$ocrmypdf_pps"); searchable PDF job / ocrmypdf = $(ratio "$pdf_pps" "$ocrmypdf_pps")"
fi
echo "- text job / tesseract CLI per page = $(ratio "$text_pps" "$cli_pps")"
