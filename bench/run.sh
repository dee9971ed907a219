#!/usr/bin/env bash
# bench/run.sh: the load benchmark (issue 5). On this machine, with the same
# images, side by side:
#   limit      N warm engines in-process, no HTTP (bench/limit, the ceiling)
#   model V2   the model service over KServe V2 REST (JSON, base64 image)
#   e2e        the gateway with multipart uploads, then the model service
#   cli        one `tesseract IMG stdout` process per image (pytesseract's
#              way), by default and with OMP_THREAD_LIMIT=1
# at concurrency 1, N and 4N (N = nproc) on the reference sample, a 300-dpi
# A4 page and a 12-megapixel phone photo of it; probes of the health and
# metrics endpoints under saturation; start-up and shutdown times; then a
# multi-page PDF's pages per second against the in-process limit and a
# single image's latency behind long documents (bench/documents_lib.sh);
# then every protocol side by side, model and gateway, with and without
# recognition (bench/protocols_lib.sh).
# Prints markdown tables, ratios and the targets. Everything stays on
# 127.0.0.1.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: bench/run.sh [--build-dir DIR] [--tools-dir DIR] [--seconds S]
                    [--min-requests M] [--quick] [--smoke]
                    [--images LIST] [--image PNG] [--pages P]
                    [--no-documents] [--protocol-seconds S]
                    [--no-protocols] [--help]
  --build-dir DIR   build folder holding the services (default: build)
  --tools-dir DIR   build folder holding the bench programs (default: the
                    build dir; built there if missing)
  --seconds S       measuring time per cell (default: 10)
  --min-requests M  each cell also runs until max(M, concurrency) requests
                    completed (default: 3), so slow images still count
  --quick           3 s and at least 2 requests per cell
  --smoke           one request per worker and cell, the sample only (the
                    documents: 2 pages of the sample): checks that
                    everything runs (the bench_smoke test), no numbers
  --images LIST     comma-separated, from sample,a4,phone (default: all)
  --image PNG       the sample (default: tests/data/images/pyt-test.png);
                    a4 and phone are made from it by ocr_bench_page
  --pages P         pages of the documents section's PDF of A4 pages
                    (default: 8)
  --no-documents    leave the documents section out
  --protocol-seconds S  measuring time per row of the protocols section
                    (default: 5; --quick: 2; --smoke: one request per
                    worker)
  --no-protocols    leave the protocols section out
Every cell is bounded: at most 300 s, however slow the image.
EOF
}

build_dir="build"
tools_dir=""
seconds=10
min_requests=3
images="sample,a4,phone"
image=""
doc_pages=8
doc_page="a4"
documents=1
protocols=1
protocol_seconds=5
protocol_large="a4" # the large image's source: the A4 page, or the sample
while (($#)); do
  case "$1" in
    --build-dir) build_dir="$2"; shift 2 ;;
    --tools-dir) tools_dir="$2"; shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    --min-requests) min_requests="$2"; shift 2 ;;
    --quick) seconds=3; min_requests=2; protocol_seconds=2; shift ;;
    --smoke) seconds=0; min_requests=1; images="sample"; doc_pages=2; doc_page="sample"; protocol_seconds=0; protocol_large="sample"; shift ;;
    --images) images="$2"; shift 2 ;;
    --image) image="$2"; shift 2 ;;
    --pages) doc_pages="$2"; shift 2 ;;
    --no-documents) documents=0; shift ;;
    --protocol-seconds) protocol_seconds="$2"; shift 2 ;;
    --no-protocols) protocols=0; shift ;;
    --help | -h) usage; exit 0 ;;
    *) echo "unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
done
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=bench/documents_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/documents_lib.sh"
# shellcheck source=bench/protocols_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/protocols_lib.sh"
image="${image:-$sample_image}"
find_programs
[[ -r "$image" ]] || { echo "cannot read $image" >&2; exit 1; }
command -v tesseract >/dev/null || { echo "tesseract CLI missing" >&2; exit 1; }
if ((protocols)); then
  command -v convert >/dev/null || { echo "ImageMagick (convert) missing: the protocols section needs it (or --no-protocols)" >&2; exit 1; }
fi

echo "starting the model service ($n engines) and the gateway..." >&2
start_services "$n"

rows=()
probe_rows=()
declare -A tput p50 mean_ms engine_ms
label=""  # the image being measured: sample, a4 or phone
file=""   # its file

# bounds CONC: the loop flags of one cell.
bounds() {
  local min=$((min_requests > $1 ? min_requests : $1))
  echo "--seconds=$seconds --min-requests=$min --max-seconds=300"
}

# record NAME CONC JSON CPU_PER_IMAGE RSS_MB
record() {
  local name="$1" conc="$2" json="$3" cpu="$4" rss="$5"
  tput["$label/$name/$conc"]="$(field "$json" throughput)"
  p50["$label/$name/$conc"]="$(field "$json" p50_ms)"
  rows+=("$(printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s/%s |' \
    "$label" "$name" "$conc" "$(field "$json" throughput)" "$(field "$json" p50_ms)" \
    "$(field "$json" p95_ms)" "$(field "$json" p99_ms)" "$cpu" "$rss" \
    "$(field "$json" count)" "$(field "$json" errors)")")
  echo "  $label $name c=$conc: $json" >&2
}

# service_cell NAME CONC MODE URL PID... [-- LOAD FLAGS]: one cell against
# the HTTP services; CPU is that of the given processes and their children
# over the cell.
service_cell() {
  local name="$1" conc="$2" mode="$3" url="$4"
  shift 4
  local pids=() extra=()
  while (($#)) && [[ "$1" != "--" ]]; do pids+=("$1"); shift; done
  (($#)) && { shift; extra=("$@"); }
  # The engine workers' CPU and memory count with the model service's.
  mapfile -t pids < <(with_children "${pids[@]}")
  local before=0 after=0 pid json rss=0 p0 p1
  p0="$(predict_totals "$model_url/metrics")"
  for pid in "${pids[@]}"; do before=$((before + $(cpu_ticks "$pid"))); done
  # shellcheck disable=SC2046
  json="$("$load_bin" --mode="$mode" --url="$url" --image="$file" \
    --connections="$conc" $(bounds "$conc") "${extra[@]}")"
  for pid in "${pids[@]}"; do after=$((after + $(cpu_ticks "$pid"))); done
  p1="$(predict_totals "$model_url/metrics")"
  # Mean time in the model's core over the cell's requests, in ms.
  engine_ms["$label/$name/$conc"]="$(awk -v a="$p0" -v b="$p1" 'BEGIN {
    split(a, x, " "); split(b, y, " ")
    if (y[2] > x[2]) printf "%.2f", (y[1] - x[1]) * 1000 / (y[2] - x[2]) }')"
  mean_ms["$label/$name/$conc"]="$(field "$json" mean_ms)"
  for pid in "${pids[@]}"; do rss=$((rss + $(peak_rss_mb "$pid"))); done
  record "$name" "$conc" "$json" \
    "$(awk -v t=$((after - before)) -v hz="$hz" -v c="$(field "$json" count)" \
      'BEGIN { printf "%.3f", (c > 0 ? t / hz / c : 0) }')" "$rss"
}

# cli_cell NAME CONC [ENV...]: one tesseract process per image.
cli_cell() {
  local name="$1" conc="$2" json
  shift 2
  # shellcheck disable=SC2046
  json="$(env -u OMP_THREAD_LIMIT "$@" "$load_bin" --mode=exec \
    --connections="$conc" $(bounds "$conc") -- tesseract "$file" stdout)"
  record "$name" "$conc" "$json" \
    "$(printf '%.3f' "$(field "$json" child_cpu_seconds_per_image)")" \
    "$(awk -v k="$(field "$json" child_peak_rss_kb)" 'BEGIN { printf "%.0f", k / 1024 }')"
}

# measure LABEL FILE: every row at concurrency 1, N and 4N.
measure() {
  label="$1"
  file="$2"
  local conc json
  echo "warming up ($label)..." >&2
  "$load_bin" --mode=v2 --url="$infer_url" --image="$file" \
    --connections="$n" --requests="$n" --seconds=0 --min-requests="$n" >/dev/null
  "$load_bin" --mode=multipart --url="$ocr_url" --image="$file" \
    --connections="$n" --requests="$n" --seconds=0 --min-requests="$n" >/dev/null
  echo "measuring $label..." >&2
  for conc in 1 "$n" $((4 * n)); do
    # shellcheck disable=SC2046
    json="$(OMP_THREAD_LIMIT=1 "$limit_bin" --image="$file" --engines="$n" \
      --concurrency="$conc" $(bounds "$conc"))"
    record "limit (in-process)" "$conc" "$json" \
      "$(printf '%.3f' "$(field "$json" cpu_seconds_per_image)")" \
      "$(awk -v k="$(field "$json" peak_rss_kb)" 'BEGIN { printf "%.0f", k / 1024 }')"
    service_cell "model V2 REST" "$conc" v2 "$infer_url" "$model_pid"
    if ((conc == 4 * n)); then
      # Saturated: probe health and metrics while the uploads run.
      service_cell "e2e gateway+model" "$conc" multipart "$ocr_url" \
        "$gateway_pid" "$model_pid" -- --probe-out="$work/probes.jsonl" \
        --probe="$model_url/v2/health/ready" --probe="$gateway_url/readyz" \
        --probe="$model_url/metrics" --probe="$gateway_url/metrics"
      local line
      while read -r line; do
        probe_rows+=("$(printf '| %s | %s | %s | %s | %s | %s |' "$label" \
          "$(sed -n 's/.*"url":"http:\/\/[^/]*\([^"]*\)".*/\1/p' <<<"$line")$(
            [[ "$line" == *"$gateway_url"* ]] && echo " (gateway)" || echo " (model)")" \
          "$(field "$line" count)/$(field "$line" errors)" "$(field "$line" p50_ms)" \
          "$(field "$line" p99_ms)" "$(field "$line" max_ms)")")
      done <"$work/probes.jsonl"
    else
      service_cell "e2e gateway+model" "$conc" multipart "$ocr_url" \
        "$gateway_pid" "$model_pid"
    fi
    cli_cell "tesseract CLI" "$conc"
    cli_cell "tesseract CLI, OMP_THREAD_LIMIT=1" "$conc" OMP_THREAD_LIMIT=1
  done
}

declare -A files=([sample]="$image" [a4]="$work/a4.png" [phone]="$work/phone.jpg")
"$page_bin" a4 "$image" "$work/a4.png"
"$page_bin" phone "$image" "$work/phone.jpg"
IFS=, read -r -a image_list <<<"$images"
for label in "${image_list[@]}"; do
  [[ -n "${files[$label]:-}" ]] || { echo "unknown image: $label" >&2; exit 2; }
  measure "$label" "${files[$label]}"
done

echo "start-up and shutdown times..." >&2
startup_json="$("$load_bin" --mode=startup --port-file="$work/startup.port" \
  --path=/v2/health/ready --requests=5 --max-seconds=60 -- "$model_bin" \
  --host=127.0.0.1 --http-port=0 --grpc-port=0 --port-file="$work/startup.port" \
  --log-level=warning)"
gateway_startup_json="$("$load_bin" --mode=startup \
  --port-file="$work/startup-gw.port" --path=/readyz --requests=5 \
  --max-seconds=60 -- "$gateway_bin" --host=127.0.0.1 --port=0 \
  --port-file="$work/startup-gw.port" --model-url="$model_url" --log-level=warning)"
model_log_lines="$(wc -l <"$work/model.log")"
stop_services

# The result cache (off by default): the sample again and again, so every
# request after the first is answered from the cache.
if [[ ",$images," == *",sample,"* ]]; then
  echo "the result cache, on the sample repeated..." >&2
  start_services "$n" --result-cache-mb=64
  label="sample"
  file="$image"
  service_cell "model V2 REST, result cache on" "$n" v2 "$infer_url" "$model_pid"
  service_cell "e2e gateway+model, result cache on" $((4 * n)) multipart \
    "$ocr_url" "$gateway_pid" "$model_pid"
  cache_hits="$(curl -fsS "$model_url/metrics" | awk '/^ocr_result_cache_hits_total/ { print $2 }')"
  stop_services
fi

# Engines as threads of the server (--engine-isolation=thread) beside the
# default worker processes: what isolation costs, on the sample.
if [[ ",$images," == *",sample,"* ]]; then
  echo "the sample with engines as threads in the server..." >&2
  start_services "$n" --engine-isolation=thread
  label="sample"
  file="$image"
  for conc in 1 $((4 * n)); do
    service_cell "model V2 REST, engines as threads" "$conc" v2 "$infer_url" "$model_pid"
  done
  stop_services
fi

# Multi-page documents (bench/documents_lib.sh), on services of their own.
if ((documents)); then
  if [[ "$doc_page" == a4 ]]; then
    documents_measure "$work/a4.png" "the A4 page" "$doc_pages" "$seconds"
  else
    documents_measure "$image" "the sample" "$doc_pages" "$seconds"
  fi
fi

# Every protocol side by side (bench/protocols_lib.sh), on services of their
# own: the sample, then the large TIFF made from the A4 page (the sample
# itself with --smoke) with the result cache on.
if ((protocols)); then
  large_source="$work/a4.png"
  if [[ "$protocol_large" == sample ]]; then large_source="$image"; fi
  protocols_measure "$image" "$large_source" "$n" "$protocol_seconds" "$min_requests"
fi

# ---------------------------------------------------------------- report
echo
echo "Images: sample = $(basename "$image"), a4 = 2480x3508 PNG tiled from it, phone = 3000x4000 JPEG photo of that page; $(machine_line); ${seconds} s and >= max($min_requests, C) requests per cell."
echo
echo "| image | what | concurrency | images/s | p50 ms | p95 ms | p99 ms | CPU s/image | peak RSS MiB | ok/errors |"
echo "|---|---|---|---|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
echo
echo "Health and metrics under saturation (probed every 50 ms during the e2e cell at 4N):"
echo
echo "| image | endpoint | ok/errors | p50 ms | p99 ms | max ms |"
echo "|---|---|---|---|---|---|"
printf '%s\n' "${probe_rows[@]}"
echo
echo "Start-up to ready, SIGTERM to exit (5 runs each, default engines):"
echo
echo "| service | ready p50 ms | ready max ms | stop p50 ms | stop max ms | exit codes != 0 |"
echo "|---|---|---|---|---|---|"
for s in "model:$startup_json" "gateway:$gateway_startup_json"; do
  j="${s#*:}"
  echo "| ${s%%:*} | $(field "$j" ready_p50_ms) | $(field "$j" ready_max_ms) | $(field "$j" stop_p50_ms) | $(field "$j" stop_max_ms) | $(field "$j" bad_exits) |"
done
if ((documents)); then
  echo
  documents_tables
fi
if ((protocols)); then
  echo
  protocols_table
fi
echo
echo "Ratios: throughput over the image's in-process limit (the mean of its c=N and c=4N cells: both measure the same ceiling):"
echo
echo "| image | limit images/s | what | c=1 | c=N | c=4N |"
echo "|---|---|---|---|---|---|"
declare -A limit_max
for label in "${image_list[@]}"; do
  limit_max[$label]="$(awk -v a="${tput["$label/limit (in-process)/$n"]}" \
    -v b="${tput["$label/limit (in-process)/$((4 * n))"]}" \
    'BEGIN { printf "%.3f", (a + b) / 2 }')"
  for name in "model V2 REST" "e2e gateway+model" "tesseract CLI" \
    "tesseract CLI, OMP_THREAD_LIMIT=1"; do
    echo "| $label | ${limit_max[$label]} | $name | $(ratio "${tput["$label/$name/1"]}" "${limit_max[$label]}") | $(ratio "${tput["$label/$name/$n"]}" "${limit_max[$label]}") | $(ratio "${tput["$label/$name/$((4 * n))"]}" "${limit_max[$label]}") |"
  done
done

# verdict OK: "met" or "NOT met".
verdict() { if [[ "$1" == 1 ]]; then echo "met"; else echo "NOT met"; fi; }
echo
echo "Targets:"
for label in "${image_list[@]}"; do
  r="$(ratio "${tput["$label/e2e gateway+model/$((4 * n))"]}" "${limit_max[$label]}")"
  echo "- $label: e2e at 4N / limit = $r (>= 0.90: $(verdict "$(awk -v r="$r" 'BEGIN { print (r >= 0.90) }')"))"
  a="${p50["$label/e2e gateway+model/1"]}"
  b="${p50["$label/limit (in-process)/1"]}"
  echo "  added latency at c=1, p50 e2e - p50 limit (separate cells, includes run-to-run noise): $(calc "$a - $b") ms = $(calc "($a - $b) * 100 / $b") % (model V2 alone: $(calc "${p50["$label/model V2 REST/1"]} - $b") ms)"
  a="${mean_ms["$label/e2e gateway+model/1"]}"
  b="${engine_ms["$label/e2e gateway+model/1"]}"
  added="$(calc "$a - $b")"
  pct="$(calc "($a - $b) * 100 / $b")"
  if [[ "$label" == sample ]]; then
    ok="$(awk -v x="$added" 'BEGIN { print (x < 3) }')"
    goal="< 3 ms"
  else
    ok="$(awk -v x="$pct" 'BEGIN { print (x < 2) }')"
    goal="< 2 %"
  fi
  echo "  added latency at c=1, paired (mean e2e latency - mean time in the model's core for the same requests): $added ms = $pct % ($goal: $(verdict "$ok")); model V2 alone: $(calc "${mean_ms["$label/model V2 REST/1"]} - ${engine_ms["$label/model V2 REST/1"]}") ms"
done
# cli_targets: the sample's ratios to one tesseract process per image.
cli_targets() {
  local e2e best_cli=0 best_cli1=0 c r
  e2e="${tput["sample/e2e gateway+model/$((4 * n))"]:-0}"
  for c in 1 "$n" $((4 * n)); do
    best_cli="$(awk -v a="$best_cli" -v b="${tput["sample/tesseract CLI/$c"]:-0}" 'BEGIN { print (b > a ? b : a) }')"
    best_cli1="$(awk -v a="$best_cli1" -v b="${tput["sample/tesseract CLI, OMP_THREAD_LIMIT=1/$c"]:-0}" 'BEGIN { print (b > a ? b : a) }')"
  done
  r="$(ratio "$e2e" "$best_cli")"
  echo "- sample: e2e at 4N / one tesseract process per image, default, at its best concurrency = $r (>= 6: $(verdict "$(awk -v r="$r" 'BEGIN { print (r >= 6) }')")); at c=1 (one image at a time, as one reference replica runs) = $(ratio "$e2e" "${tput["sample/tesseract CLI/1"]:-0}")"
  r="$(ratio "$e2e" "$best_cli1")"
  echo "- sample: e2e at 4N / the same with OMP_THREAD_LIMIT=1 at its best concurrency = $r (> 1: $(verdict "$(awk -v r="$r" 'BEGIN { print (r > 1) }')"))"
}
if [[ -n "${tput["sample/e2e gateway+model/1"]:-}" ]]; then cli_targets; fi
errors="$(printf '%s\n' "${rows[@]}" | awk -F'|' '$3 !~ /CLI/ { split($11, a, "/"); e += a[2] } END { print e + 0 }')"
echo "- failed requests in the service rows: $errors (model log lines at warning or above: $model_log_lines)"
worst="$(printf '%s\n' "${probe_rows[@]}" | awk -F'|' '{ if ($6 + 0 > m) m = $6 + 0 } END { print m + 0 }')"
echo "- health and metrics p99 under saturation, worst endpoint: $worst ms (< 20: $(verdict "$(awk -v w="$worst" 'BEGIN { print (w < 20) }')"))"
if [[ -n "${cache_hits:-}" ]]; then
  echo "- result cache (off by default), the sample repeated: e2e at 4N = $(ratio "${tput["sample/e2e gateway+model, result cache on/$((4 * n))"]}" "${limit_max[sample]}") x the limit ($cache_hits hits); only identical images with identical options hit"
fi
if [[ -n "${tput["sample/model V2 REST, engines as threads/1"]:-}" ]]; then
  proc="${tput["sample/model V2 REST/$((4 * n))"]:-0}"
  thr="${tput["sample/model V2 REST, engines as threads/$((4 * n))"]:-0}"
  r="$(ratio "$proc" "$thr")"
  echo "- sample, model V2 at 4N: worker processes / engines as threads = $r (>= 0.97: $(verdict "$(awk -v r="$r" 'BEGIN { print (r >= 0.97) }')"))"
  d="$(calc "${mean_ms["sample/model V2 REST/1"]:-0} - ${mean_ms["sample/model V2 REST, engines as threads/1"]:-0}")"
  echo "- sample, model V2 at c=1: mean latency, worker processes - engines as threads = $d ms (<= 3: $(verdict "$(awk -v d="$d" 'BEGIN { print (d <= 3) }')"))"
fi
if ((documents)); then documents_targets; fi
if ((protocols)); then protocols_targets; fi
r="$(field "$startup_json" ready_max_ms)"
echo "- model start-up to ready, default engines, slowest of 5: $r ms (< 2000: $(verdict "$(awk -v r="$r" 'BEGIN { print (r < 2000) }')"))"
