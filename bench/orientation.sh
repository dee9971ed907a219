#!/usr/bin/env bash
# bench/orientation.sh: Tesseract's orientation detection (OSD) on upright
# and turned pages, the data behind kMinTurnConfidence
# (src/model_server/core/tesseract_engine.cc; docs/performance.md,
# "Orientation"). For every page, `tesseract PAGE - --psm 0` (the same
# DetectOrientationScript the engine calls) gives the orientation it reads
# and its confidence. The pages: the single-page documents of
# scripts/make-test-documents.sh and every image of tests/data, as they are
# (upright but for rot90/180/270), and the sample degraded (blur, noise,
# JPEG, scale, tilt, a crop, A4-sized blur and noise), each upright and
# turned by 90, 180 and 270 degrees. Prints one row per page, then per
# outcome (upright read as upright or as turned; turned read right, wrong or
# as upright) the count, the confidence range and how many fall below a few
# candidate thresholds. No service runs; the CLI uses one thread.
set -euo pipefail

usage() {
  cat <<'EOF2'
Usage: bench/orientation.sh [--docs DIR] [--smoke]
  --docs DIR  reuse (or make there) the documents of make-test-documents.sh
  --smoke     three pages: checks that it runs
EOF2
}

docs=""
smoke=0
while (($#)); do
  case "$1" in
    --docs) docs="$2"; shift 2 ;;
    --smoke) smoke=1; shift ;;
    --help | -h) usage; exit 0 ;;
    *) echo "unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
done
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
data="${OCR_TESTDATA_DIR:-$repo/tests/data}"
sample="$data/images/pyt-test.png"
for tool in tesseract convert identify; do
  command -v "$tool" >/dev/null || { echo "$tool is missing" >&2; exit 1; }
done
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export OMP_THREAD_LIMIT=1

# osd PAGE: "degrees confidence", or "- -" when Tesseract finds too little
# text to tell.
osd() {
  local out degrees conf
  out="$(tesseract "$1" - --psm 0 2>&1)" || true
  degrees="$(sed -n 's/^Orientation in degrees: *//p' <<<"$out")"
  conf="$(sed -n 's/^Orientation confidence: *//p' <<<"$out")"
  if [[ -n "$conf" ]]; then echo "$degrees $conf"; else echo "- -"; fi
}

rows=()
# page NAME TURNED FILE: one row (TURNED: how far the page is turned).
page() {
  local size
  size="$(identify -format '%wx%h' "$3[0]")"
  rows+=("$1 $2 $size $(osd "$3")")
  echo "  $1 (turned $2): ${rows[-1]}" >&2
}

if ((smoke)); then
  page sample 0 "$sample"
  convert "$sample" -rotate 180 "$work/rot180.png"
  page sample-rot180 180 "$work/rot180.png"
  convert "$sample" -blur 0x3 "$work/blur3.png"
  page blur3 0 "$work/blur3.png"
else
  if [[ -z "$docs" ]]; then docs="$work/docs"; fi
  [[ -s "$docs/manifest.tsv" ]] || "$repo/scripts/make-test-documents.sh" "$docs" >&2
  while IFS=$'\t' read -r id file _ pages _; do
    [[ "$id" == id || "$pages" != 1 || "$file" != *.png && "$file" != *.jpg ]] && continue
    [[ "$id" == exif* ]] && continue # stored turned; the service applies EXIF first
    case "$id" in rot90) t=90 ;; rot180) t=180 ;; rot270) t=270 ;; *) t=0 ;; esac
    page "$id" "$t" "$docs/$file"
  done <"$docs/manifest.tsv"
  for f in "$data"/images/*; do
    [[ "$f" == *.pdf ]] && continue
    page "$(basename "$f")" 0 "$f"
  done
  declare -A ops=(
    [blur1.5]="-blur 0x1.5" [blur2]="-blur 0x2" [blur2.5]="-blur 0x2.5" [blur3]="-blur 0x3"
    [gauss6]="-colorspace Gray -seed 1 -attenuate 6 +noise Gaussian"
    [gauss8]="-colorspace Gray -seed 3 -attenuate 8 +noise Gaussian"
    [gauss10]="-colorspace Gray -seed 4 -attenuate 10 +noise Gaussian"
    [impulse1.5]="-colorspace Gray -seed 2 -attenuate 1.5 +noise Impulse"
    [impulse2.5]="-colorspace Gray -seed 5 -attenuate 2.5 +noise Impulse"
    [jpeg-q5]="-quality 5" [scale40]="-resize 40%" [scale66]="-resize 66%"
    [scale150]="-resize 150%" [lowcontrast]="-level 0%,300%,1.0 +level 40%,60%"
    [skew10]="-background white -rotate 10 +repage"
    [skew15]="-background white -rotate 15 +repage"
    [crop-top-half]="-crop 640x240+0+0 +repage"
    [a4-gauss6]="-resize 387.5% -colorspace Gray -seed 6 -attenuate 6 +noise Gaussian"
    [a4-blur6]="-resize 387.5% -blur 0x6"
  )
  for k in $(printf '%s\n' "${!ops[@]}" | sort); do
    ext=png
    [[ "$k" == jpeg* ]] && ext=jpg
    # shellcheck disable=SC2086 # the operations are words
    convert "$sample" ${ops[$k]} "$work/$k.$ext"
    for a in 0 90 180 270; do
      convert "$work/$k.$ext" -rotate "$a" "$work/$k-$a.png"
      page "$k" "$a" "$work/$k-$a.png"
    done
  done
fi

echo "Orientation detection: \`tesseract PAGE - --psm 0\`, OMP_THREAD_LIMIT=1, Tesseract $(tesseract --version 2>&1 | awk 'NR == 1 { print $2 }'); '-' = too little text to tell."
echo
echo "| page | turned by | size | OSD reads | confidence |"
echo "|---|---|---|---|---|"
printf '%s\n' "${rows[@]}" | awk '{ printf "| %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5 }'
echo
echo "Per outcome, pages the service would ask (at least 100,000 pixels; smaller ones in their own rows):"
echo
echo "| outcome | pages | lowest | highest | below 0.5 | below 1 | below 2 | below 5 |"
echo "|---|---|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}" | awk '
  $4 == "-" { key = "no answer (too little text)"; n[key]++; next }
  {
    split($3, s, "x")
    t = $2; d = $4; c = $5 + 0
    if (t == 0) key = (d == 0 ? "upright, read as upright" : "upright, read as turned")
    else key = (d == t ? "turned, read right" : (d == 0 ? "turned, read as upright" : "turned, wrong turn"))
    if (s[1] * s[2] < 100000) key = key " (< 100k px)"
    n[key]++
    if (!(key in lo) || c < lo[key]) lo[key] = c
    if (!(key in hi) || c > hi[key]) hi[key] = c
    b05[key] += (c < 0.5); b1[key] += (c < 1); b2[key] += (c < 2); b5[key] += (c < 5)
  }
  END {
    for (k in n) {
      if (k in lo) printf "| %s | %d | %.2f | %.2f | %d | %d | %d | %d |\n", k, n[k], lo[k], hi[k], b05[k], b1[k], b2[k], b5[k]
      else printf "| %s | %d | - | - | - | - | - | - |\n", k, n[k]
    }
  }' | sort
