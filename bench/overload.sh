#!/usr/bin/env bash
# bench/overload.sh: the model service under overload by multi-page
# documents (issue 19). Open-loop arrivals of P-page PDFs at X times what N
# engines can recognise (their in-process limit on the same page, pages/s),
# for S seconds, each with the service's deadline (--timeout); every answer
# is counted: completed in time (200), refused (503, and how fast), late
# (504), other. Goodput = pages of the documents completed in time per
# second, from the first arrival to the last answer, over the limit; and
# the peak memory of the server and of its engine workers meanwhile.
# Target (issue 19): at 4 x overload, goodput >= 0.8 x capacity.
set -euo pipefail

usage() {
  cat <<'EOF2'
Usage: bench/overload.sh [--build-dir DIR] [--tools-dir DIR] [--seconds S]
                         [--pages P] [--load X] [--timeout D] [--smoke]
  --build-dir DIR  build folder holding the services (default: build)
  --tools-dir DIR  build folder holding the bench programs (default: the
                   build dir)
  --seconds S      arrivals for S seconds (default: 180)
  --pages P        pages per document (default: 4)
  --load X         offered load, times the engines' capacity (default: 4)
  --timeout D      the service's deadline in seconds (default: 60)
  --smoke          2-page PDFs of the sample for 3 s, deadline 4 s: checks
                   that it runs
EOF2
}

build_dir="build"
tools_dir=""
seconds=180
pages=4
load=4
deadline=60
page="a4"
limit_seconds=20
while (($#)); do
  case "$1" in
    --build-dir) build_dir="$2"; shift 2 ;;
    --tools-dir) tools_dir="$2"; shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    --pages) pages="$2"; shift 2 ;;
    --load) load="$2"; shift 2 ;;
    --timeout) deadline="$2"; shift 2 ;;
    --smoke) seconds=3; pages=2; deadline=4; page="sample"; limit_seconds=0; shift ;;
    --help | -h) usage; exit 0 ;;
    *) echo "unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
done
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=bench/documents_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/documents_lib.sh"
find_programs

page_file="$sample_image"
page_name="the sample"
if [[ "$page" == a4 ]]; then
  "$page_bin" a4 "$sample_image" "$work/a4.png"
  page_file="$work/a4.png"
  page_name="bench/run.sh's A4 page"
fi
documents_pdf "$page_file" "$pages" "$work/doc.pdf"
printf '{"inputs":[{"name":"input-0","shape":[1],"datatype":"BYTES","data":["%s"]}]}' \
  "$(base64 -w0 "$work/doc.pdf")" >"$work/doc.json"

echo "overload: the in-process limit on the page..." >&2
limit_json="$(OMP_THREAD_LIMIT=1 "$limit_bin" --image="$page_file" \
  --engines="$n" --concurrency="$n" --seconds="$limit_seconds" \
  --min-requests="$n" --max-seconds=600)"
capacity="$(field "$limit_json" throughput)" # pages/s
interval="$(awk -v p="$pages" -v x="$load" -v c="$capacity" 'BEGIN { printf "%.3f", p / (x * c) }')"
count="$(awk -v s="$seconds" -v i="$interval" 'BEGIN { n = int(s / i); print (n < 1 ? 1 : n) }')"

start_services "$n" --timeout="$deadline"
echo "overload: warming up (the engines' page time)..." >&2
curl -fsS -o /dev/null --max-time 600 --data-binary @"$work/doc.json" "$infer_url"
server_ready="$(rss_mb "$model_pid")"
reset_tree_peak "$model_pid"
workers="$(pgrep -P "$model_pid" | tr '\n' ' ')"

# sample_peaks: the largest ocr_queue_depth (pages waiting) and
# http_request_body_bytes_held (in MiB) while it runs.
sample_peaks() {
  local peaks="0 0" now
  while [[ ! -e "$work/done" ]]; do
    now="$(curl -fsS --max-time 2 "$model_url/metrics" 2>/dev/null |
      awk -v p="$peaks" 'BEGIN { split(p, a, " ") }
        /^ocr_queue_depth / { if ($2 > a[1]) a[1] = $2 }
        /^http_request_body_bytes_held / { if ($2 / 1048576 > a[2]) a[2] = $2 / 1048576 }
        END { printf "%d %.1f", a[1], a[2] }')" || now=""
    [[ -n "$now" ]] && peaks="$now"
    sleep 0.2
  done
  echo "$peaks" >"$work/peaks"
}
sample_peaks &
sampler=$!

echo "overload: $count documents of $pages pages, one every $interval s..." >&2
mkdir -p "$work/answers"
t0="$(date +%s.%N)"
pids=()
for ((i = 0; i < count; i++)); do
  curl -sS -o /dev/null --max-time "$((deadline + 120))" \
    -w '%{http_code} %{time_total}\n' --data-binary @"$work/doc.json" \
    -H 'Content-Type: application/json' "$infer_url" \
    >"$work/answers/$i" 2>/dev/null &
  pids+=("$!")
  sleep "$interval"
done
wait "${pids[@]}" || true
t1="$(date +%s.%N)"
touch "$work/done"
wait "$sampler" || true

server_peak="$(peak_rss_mb "$model_pid")"
worker_peak=0
for pid in $workers; do worker_peak=$((worker_peak + $(peak_rss_mb "$pid"))); done
stop_services

cat "$work"/answers/* | awk -v p="$pages" -v c="$capacity" -v t0="$t0" -v t1="$t1" \
  -v x="$load" -v n="$count" -v d="$deadline" -v sp="$server_peak" \
  -v wp="$worker_peak" -v peaks="$(cat "$work/peaks")" -v sr="$server_ready" \
  -v name="$page_name" -v machine="$(machine_line)" '
  $1 == 200 { ok++ }
  $1 == 503 { refused++; rt[refused] = $2 }
  $1 == 504 { late++ }
  $1 != 200 && $1 != 503 && $1 != 504 { other++ }
  END {
    split(peaks, pk, " ")
    elapsed = t1 - t0
    goodput = (ok + 0) * p / elapsed
    # the median time to a refusal
    m = 0
    if (refused > 0) {
      for (i = 1; i <= refused; i++) for (j = i + 1; j <= refused; j++)
        if (rt[j] < rt[i]) { s = rt[i]; rt[i] = rt[j]; rt[j] = s }
      m = rt[int((refused + 1) / 2)]
    }
    printf "Overload: %d-page PDFs of %s (img2pdf, 300 dpi) sent open-loop at %.1f x the capacity of %.3f pages/s (N engines in-process on the page) for %.0f s, deadline %d s; %s.\n\n", p, name, x, c, elapsed, d, machine
    print "| offered docs/s | offered | accepted | completed in time | late (504) | refused (503) | other | median s to a 503 | goodput pages/s | goodput / capacity | peak pages waiting | peak MiB of bodies held | RSS MiB, server after warm-up | peak RSS MiB, server | peak RSS MiB, workers |"
    print "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
    printf "| %.3f | %d | %d | %d | %d | %d | %d | %.2f | %.3f | %.2f | %d | %.1f | %.1f | %d | %d |\n", x * c / p, n, n - refused, ok, late, refused, other, m, goodput, goodput / c, pk[1], pk[2], sr, sp, wp
    printf "\nTargets:\n- goodput / capacity = %.2f at %.1f x overload (>= 0.80: %s)\n", goodput / c, x, (goodput / c >= 0.8 ? "met" : "NOT met")
  }'
