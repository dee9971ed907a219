#!/usr/bin/env bash
# Runs bench/jobs.sh --smoke (a 3-page PDF of the sample image) and checks
# its report: every row of the pages/s table with all pages recognised and
# none failed (ocrmypdf's row included: scripts/install-deps.sh installs it),
# the first-page table, both model processes of the two-model job with
# pages, and the summary lines. Not a speed test: no ratio is asserted.
# Usage: jobs_smoke.sh REPO BUILD_DIR
set -euo pipefail
repo="$1"
build="$2"
cd "$repo"
fail() { echo "FAIL: $*" >&2; exit 1; }

shellcheck bench/jobs.sh bench/lib.sh bench/documents_lib.sh || fail "shellcheck"
command -v ocrmypdf >/dev/null || fail "ocrmypdf not installed (scripts/install-deps.sh test)"

out="$(bench/jobs.sh --smoke --build-dir "$build" 2>/dev/null)" || fail "jobs.sh exited $?"
echo "$out"
num='[0-9]+(\.[0-9]+)?'
rss="$num \($num\)"
for what in "limit \(in-process\), the page as PNG, [0-9]+ engines" \
  "ocrmypdf --jobs [0-9]+ \(searchable PDF \+ sidecar text\)" \
  "tesseract CLI, one process per page \(the PNG\), [0-9]+ at a time"; do
  grep -qE "^\| $what \| $num \| $num \| $num \| $num \| 3/0 \| - \| - \|$" <<<"$out" ||
    fail "no full row for '$what'"
done
for what in "job, text: 1 gateway, 1 model of [0-9]+ engines" "job, searchable PDF \(output=pdf\)" \
  "job, text: 1 gateway, 2 models of 1 engine"; do
  grep -qE "^\| $what \| $num \| $num \| $num \| $num \| 3/0 \| $rss \| $rss \|$" <<<"$out" ||
    fail "no full row for '$what'"
done
grep -qE "^\| one page alone: the 1-page PDF on /gateway/ocr, c=1, p50 of 3 \| $num \| 1.00 \|$" <<<"$out" ||
  fail "no row for one page alone"
grep -qE "^\| a 1-page job: submission to its page in GET /pages \| [0-9]+ \| $num \|$" <<<"$out" ||
  fail "no 1-page job row"
grep -qE "^\| the 3-page job: submission to the first page in GET /pages \([0-9]+ pages start at once\) \| [0-9]+ \| $num \|$" <<<"$out" ||
  fail "no first-page row"
for model in a b; do
  grep -qE "^\| $model \| [1-9][0-9]* \|$" <<<"$out" || fail "model process $model of the two-model job got no page"
done
grep -qE '^- both model processes got pages: yes \([0-9]+ \+ [0-9]+\)$' <<<"$out" || fail "no spread line"
grep -qE "^- text job / in-process limit = $num \(searchable PDF: $num; 2 models of 1 engine: $num\)$" <<<"$out" ||
  fail "no limit ratio"
grep -qE "^- text job / ocrmypdf = $num; searchable PDF job / ocrmypdf = $num$" <<<"$out" ||
  fail "no ocrmypdf ratio"
grep -qE "^- text job / tesseract CLI per page = $num$" <<<"$out" || fail "no CLI ratio"
echo "bench jobs OK"
