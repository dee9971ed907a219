#!/usr/bin/env bash
# bench/memory.sh: the numbers behind the model service's memory formula and
# the gateway's copies of an upload (docs/performance.md, "Memory").
#  1. The model service with 1, 2 and 4 engines: RSS when ready, after the
#     sample at concurrency E, and the peak while E A4 pages and then E phone
#     photos are recognised at once (VmHWM, reset between phases).
#  2. The gateway: its peak RSS over its idle RSS while C copies of the phone
#     photo are uploaded at once, divided by C x the upload's size: how many
#     copies of an upload the gateway holds per request.
#  3. Documents: a PDF of P 300-dpi A4 pages (img2pdf, the A4 page of phase
#     1), for each P of --pages, sent alone to the model service with 1 and 2
#     engines: the peak of the summed RSS of the server and its workers
#     (sampled every 0.1 s, and the summed VmHWM), the time to the first page
#     recognised (the service's ocr_images_recognized_total counts pages as
#     they finish) and to the answer. The peak should not grow with P: pages
#     are rendered when an engine takes them, and one document costs its
#     file plus one rendered page per busy engine.
set -euo pipefail

build_dir="build"
tools_dir=""
engines_list="1 2 4"
doc_engines="1 2"
doc_pages="20 60"
doc_page="a4"
documents_only=0
while (($#)); do
  case "$1" in
    --build-dir) build_dir="$2"; shift 2 ;;
    --tools-dir) tools_dir="$2"; shift 2 ;;
    --pages) doc_pages="$2"; shift 2 ;;
    --documents-only) documents_only=1; shift ;;
    --smoke) engines_list="1"; doc_engines="1"; doc_pages="2 4"; doc_page="sample"; shift ;;
    --help | -h)
      echo "Usage: bench/memory.sh [--build-dir DIR] [--tools-dir DIR] [--pages \"P1 P2 ...\"] [--documents-only] [--smoke]"
      echo "  --pages  page counts of the documents phase (default: \"20 60\")"
      echo "  --documents-only  phase 3 alone"
      echo "  --smoke  1 engine; documents of 2 and 4 pages of the sample"
      exit 0
      ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
find_programs
"$page_bin" a4 "$sample_image" "$work/a4.png"
"$page_bin" phone "$sample_image" "$work/phone.jpg"

# at_once MODE URL IMAGE C: C requests in flight, one each.
at_once() {
  "$load_bin" --mode="$1" --url="$2" --image="$3" --connections="$4" \
    --seconds=0 --min-requests="$4" --requests="$4" --max-seconds=600 >/dev/null
}

# Phases 1 and 2, the images and the gateway.
images_and_gateway() {
  echo "| engines | ready MiB | after the sample MiB | peak, E A4 pages at once MiB | peak, E phone photos at once MiB |"
  echo "|---|---|---|---|---|"
  for e in $engines_list; do
    echo "model service with $e engines..." >&2
    start_services "$e"
    ready="$(tree_rss_mb "$model_pid")"
    at_once v2 "$infer_url" "$sample_image" "$e"
    after="$(tree_rss_mb "$model_pid")"
    reset_tree_peak "$model_pid"
    at_once v2 "$infer_url" "$work/a4.png" "$e"
    a4="$(tree_peak_rss_mb "$model_pid")"
    reset_tree_peak "$model_pid"
    at_once v2 "$infer_url" "$work/phone.jpg" "$e"
    phone="$(tree_peak_rss_mb "$model_pid")"
    echo "| $e | $ready | $after | $a4 | $phone |"
    if [[ "$e" == "$(echo "$engines_list" | awk '{ print $NF }')" ]]; then
      break # keep the last services for the gateway
    fi
    stop_services
  done

  upload_bytes="$(stat -c %s "$work/phone.jpg")"
  echo
  echo "Gateway, uploading the phone photo ($((upload_bytes / 1024)) KiB):"
  echo
  echo "| uploads at once | idle RSS MiB | peak RSS MiB | copies of the upload per request |"
  echo "|---|---|---|---|"
  for c in 1 "$n" $((2 * n)); do
    at_once multipart "$ocr_url" "$sample_image" 1 # settle
    idle="$(rss_mb "$gateway_pid")"
    reset_tree_peak "$gateway_pid"
    at_once multipart "$ocr_url" "$work/phone.jpg" "$c"
    peak="$(awk '/^VmHWM:/ { printf "%.1f", $2 / 1024 }' "/proc/$gateway_pid/status")"
    echo "| $c | $idle | $peak | $(calc "($peak - $idle) * 1048576 / ($c * $upload_bytes)") |"
  done
  stop_services
}
if ((!documents_only)); then images_and_gateway; fi

# ------------------------------------------------------------ 3. documents
page_file="$work/a4.png"
[[ "$doc_page" == sample ]] && page_file="$sample_image"
echo
echo "Documents: PDFs of P copies of $([[ "$doc_page" == a4 ]] && echo "the 2480x3508 A4 page" || echo "the sample") at 300 dpi (img2pdf --imgsize 300dpi), one request alone:"
echo
echo "| engines | pages | PDF MiB | before MiB | peak, sampled sum MiB | peak, summed VmHWM MiB | peak - before MiB | first page s | answer s |"
echo "|---|---|---|---|---|---|---|---|---|"
# recognised METRICS_URL: pages (images) recognised so far.
recognised() {
  curl -fsS "$1" | awk '/^ocr_images_recognized_total/ { s += $2 } END { print s + 0 }'
}
for e in $doc_engines; do
  echo "documents, model service with $e engines..." >&2
  # A long document with one engine takes minutes: a deadline to match.
  start_services "$e" --timeout=3600 --max-body-bytes=512m
  at_once v2 "$infer_url" "$page_file" "$e" # every worker has read a page
  for p in $doc_pages; do
    page_args=()
    for ((i = 0; i < p; i++)); do page_args+=("$page_file"); done
    img2pdf --imgsize 300dpi "${page_args[@]}" -o "$work/doc.pdf"
    before="$(tree_rss_mb "$model_pid")"
    reset_tree_peak "$model_pid"
    done0="$(recognised "$model_url/metrics")"
    t0="$(date +%s.%N)"
    "$load_bin" --mode=v2 --url="$infer_url" --image="$work/doc.pdf" \
      --connections=1 --seconds=0 --min-requests=1 --requests=1 \
      --max-seconds=3600 >/dev/null &
    load=$!
    peak=0
    first=""
    while kill -0 "$load" 2>/dev/null; do
      peak="$(awk -v a="$peak" -v b="$(tree_rss_mb "$model_pid")" 'BEGIN { print (b > a ? b : a) }')"
      if [[ -z "$first" && "$(recognised "$model_url/metrics")" -gt "$done0" ]]; then
        first="$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')"
      fi
      sleep 0.1
    done
    wait "$load"
    answer="$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')"
    hwm="$(tree_peak_rss_mb "$model_pid")"
    echo "| $e | $p | $(calc "$(stat -c %s "$work/doc.pdf") / 1048576") | $before | $peak | $hwm | $(calc "$peak - $before") | ${first:-n/a} | $answer |"
  done
  stop_services
done
