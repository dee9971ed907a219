#!/usr/bin/env bash
# bench/documents.sh: multi-page documents through the model service.
#   pages/s   an 8-page PDF of 300-dpi A4 pages (the page of bench/run.sh)
#             at concurrency 1 and 4N, against N engines' in-process limit
#             on the same page as a PNG (bench/limit): the pages of one
#             document run in parallel on idle engines
#   fairness  the sample image's latency while long documents keep every
#             engine busy, against its latency alone
# Target (issue 11): pages/s at c=1 and 4N >= 0.9 x the limit.
set -euo pipefail

usage() {
  cat <<'EOF2'
Usage: bench/documents.sh [--build-dir DIR] [--seconds S] [--pages P] [--smoke]
  --build-dir DIR  build folder holding the services (default: build)
  --seconds S      measuring time per cell (default: 10)
  --pages P        pages of the PDF (default: 8)
  --smoke          2 pages, one request per cell: checks that it runs
EOF2
}

build_dir="build"
seconds=10
pages=8
while (($#)); do
  case "$1" in
    --build-dir) build_dir="$2"; shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    --pages) pages="$2"; shift 2 ;;
    --smoke) seconds=0; pages=2; shift ;;
    --help | -h) usage; exit 0 ;;
    *) echo "unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
done
tools_dir=""
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
find_programs
"$page_bin" a4 "$sample_image" "$work/a4.png"
page_args=()
for ((i = 0; i < pages; i++)); do page_args+=("$work/a4.png"); done
# A4 pages holding the 2480x3508 image: rendered at 300 dpi, the same pixels.
img2pdf --pagesize A4 "${page_args[@]}" -o "$work/doc.pdf"

# Long documents at 4N wait minutes for an engine: a deadline to match.
start_services "$n" --timeout=1800
cell() {  # MODE FILE CONC: the load tool's JSON
  "$load_bin" --mode=v2 --url="$infer_url" --image="$2" --connections="$3" \
    --seconds="$seconds" --min-requests="$3" --max-seconds=600
}
echo "warming up..." >&2
cell v2 "$work/doc.pdf" 1 >/dev/null
echo "in-process limit on the A4 page..." >&2
limit_json="$(OMP_THREAD_LIMIT=1 "$limit_bin" --image="$work/a4.png" --engines="$n" \
  --concurrency="$n" --seconds="$seconds" --min-requests="$n" --max-seconds=600)"
limit="$(field "$limit_json" throughput)"

rows=()
declare -A ratio_of
for conc in 1 $((4 * n)); do
  echo "the ${pages}-page PDF at c=$conc..." >&2
  json="$(cell v2 "$work/doc.pdf" "$conc")"
  pps="$(awk -v t="$(field "$json" throughput)" -v p="$pages" 'BEGIN { printf "%.3f", t * p }')"
  ratio_of[$conc]="$(ratio "$pps" "$limit")"
  rows+=("| ${pages}-page PDF | $conc | $pps | $(field "$json" p50_ms) | ${ratio_of[$conc]} | $(field "$json" count)/$(field "$json" errors) |")
done

echo "fairness: the sample alone, then behind long documents..." >&2
alone="$(cell v2 "$sample_image" 1)"
# Two documents at once keep both engines busy for the whole cell.
(cell v2 "$work/doc.pdf" "$n" >/dev/null) &
background=$!
sleep 1
behind="$(cell v2 "$sample_image" 1)"
wait "$background" || true
stop_services

echo
echo "Documents: ${pages}-page PDF of 300-dpi A4 pages made by img2pdf from bench/run.sh's A4 page; $(machine_line); ${seconds} s per cell."
echo
echo "| what | concurrency | pages/s | p50 ms per document | / limit | ok/errors |"
echo "|---|---|---|---|---|---|"
echo "| limit (in-process), the page as PNG | $n | $limit | - | 1.00 | $(field "$limit_json" count)/$(field "$limit_json" errors) |"
printf '%s\n' "${rows[@]}"
echo
echo "| the sample image | mean ms | p95 ms | ok/errors |"
echo "|---|---|---|---|"
echo "| alone | $(field "$alone" mean_ms) | $(field "$alone" p95_ms) | $(field "$alone" count)/$(field "$alone" errors) |"
echo "| while $n documents of $pages pages run | $(field "$behind" mean_ms) | $(field "$behind" p95_ms) | $(field "$behind" count)/$(field "$behind" errors) |"
verdict() { if [[ "$1" == 1 ]]; then echo "met"; else echo "NOT met"; fi; }
echo
echo "Targets:"
for conc in 1 $((4 * n)); do
  echo "- ${pages}-page PDF at c=$conc: pages/s / limit = ${ratio_of[$conc]} (>= 0.90: $(verdict "$(awk -v r="${ratio_of[$conc]}" 'BEGIN { print (r >= 0.90) }')"))"
done
echo "- the sample behind long documents waits for at most one page per engine: mean $(field "$behind" mean_ms) ms against $(field "$alone" mean_ms) ms alone"
