# shellcheck shell=bash disable=SC2034,SC2154 # lib.sh sets the programs, ports, $work, $n
# The documents section of the load benchmark: bench/run.sh prints it with
# its report, bench/documents.sh runs it alone. Sourced after lib.sh and
# find_programs.
#   pages/s   a PDF of P pages at 300 dpi (the A4 page of bench/run.sh) at
#             concurrency 1 and 4N, against N engines' in-process limit on
#             the same page as a PNG (bench/limit): the pages of one
#             document run in parallel on idle engines
#   fairness  the sample image's latency while long documents keep every
#             engine busy, against its latency alone
# Target (issue 11): pages/s at c=1 and 4N >= 0.9 x the limit.

# documents_pdf PAGE PAGES OUT: a PDF of PAGES copies of the PNG PAGE, each
# page sized so that the service's default rendering (300 dpi) gives the
# PNG's pixels back (the A4 page of 2480x3508 is an A4 page).
documents_pdf() {
  local page_args=() i
  for ((i = 0; i < $2; i++)); do page_args+=("$1"); done
  img2pdf --imgsize 300dpi "${page_args[@]}" -o "$3"
}

# documents_cell FILE CONC SECONDS: the load tool's JSON, V2 requests.
documents_cell() {
  "$load_bin" --mode=v2 --url="$infer_url" --image="$1" --connections="$2" \
    --seconds="$3" --min-requests="$2" --max-seconds=600
}

# documents_measure PAGE PAGE_NAME PAGES SECONDS: starts the services, runs
# the cells, stops them. Sets doc_* for documents_tables/documents_targets.
documents_measure() {
  doc_page="$1"
  doc_page_name="$2"
  doc_pages="$3"
  doc_seconds="$4"
  local pdf="$work/doc.pdf" conc json pps
  documents_pdf "$doc_page" "$doc_pages" "$pdf"
  # Long documents at 4N wait minutes for an engine: a deadline to match.
  start_services "$n" --timeout=1800
  echo "documents: warming up..." >&2
  documents_cell "$pdf" 1 0 >/dev/null
  echo "documents: the in-process limit on the page..." >&2
  doc_limit_json="$(OMP_THREAD_LIMIT=1 "$limit_bin" --image="$doc_page" \
    --engines="$n" --concurrency="$n" --seconds="$doc_seconds" \
    --min-requests="$n" --max-seconds=600)"
  doc_limit="$(field "$doc_limit_json" throughput)"
  doc_rows=()
  declare -gA doc_ratio=()
  for conc in 1 $((4 * n)); do
    echo "documents: the ${doc_pages}-page PDF at c=$conc..." >&2
    json="$(documents_cell "$pdf" "$conc" "$doc_seconds")"
    pps="$(awk -v t="$(field "$json" throughput)" -v p="$doc_pages" 'BEGIN { printf "%.3f", t * p }')"
    doc_ratio[$conc]="$(ratio "$pps" "$doc_limit")"
    doc_rows+=("| ${doc_pages}-page PDF | $conc | $pps | $(field "$json" p50_ms) | ${doc_ratio[$conc]} | $(field "$json" count)/$(field "$json" errors) |")
  done
  echo "documents: the sample alone, then behind long documents..." >&2
  doc_alone="$(documents_cell "$sample_image" 1 "$doc_seconds")"
  # N documents at once keep every engine busy for the whole cell.
  (documents_cell "$pdf" "$n" "$doc_seconds" >/dev/null) &
  local background=$!
  sleep 1
  doc_behind="$(documents_cell "$sample_image" 1 "$doc_seconds")"
  wait "$background" || true
  stop_services
}

# documents_tables: the two tables of documents_measure.
documents_tables() {
  echo "Documents: ${doc_pages}-page PDF made by img2pdf from $doc_page_name at 300 dpi (rendered back to the same pixels); $(machine_line); ${doc_seconds} s per cell."
  echo
  echo "| what | concurrency | pages/s | p50 ms per document | / limit | ok/errors |"
  echo "|---|---|---|---|---|---|"
  echo "| limit (in-process), the page as PNG | $n | $doc_limit | - | 1.00 | $(field "$doc_limit_json" count)/$(field "$doc_limit_json" errors) |"
  printf '%s\n' "${doc_rows[@]}"
  echo
  echo "| the sample image | mean ms | p95 ms | ok/errors |"
  echo "|---|---|---|---|"
  echo "| alone | $(field "$doc_alone" mean_ms) | $(field "$doc_alone" p95_ms) | $(field "$doc_alone" count)/$(field "$doc_alone" errors) |"
  echo "| while $n documents of $doc_pages pages run | $(field "$doc_behind" mean_ms) | $(field "$doc_behind" p95_ms) | $(field "$doc_behind" count)/$(field "$doc_behind" errors) |"
}

# documents_targets: one "- " line per target.
documents_targets() {
  local conc ok
  for conc in 1 $((4 * n)); do
    ok="$(awk -v r="${doc_ratio[$conc]}" 'BEGIN { if (r >= 0.90) print "met"; else print "NOT met" }')"
    echo "- ${doc_pages}-page PDF at c=$conc: pages/s / limit = ${doc_ratio[$conc]} (>= 0.90: $ok)"
  done
  echo "- the sample behind long documents waits for at most one page per engine: mean $(field "$doc_behind" mean_ms) ms against $(field "$doc_alone" mean_ms) ms alone"
}
