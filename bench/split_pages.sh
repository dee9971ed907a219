# shellcheck shell=bash disable=SC2154 # page_bin, sample_image: lib.sh
# The pages of bench/split.sh, each with its truth (PAGE.txt, reading order:
# title, then column by column, a table row by row). Sourced after lib.sh
# (page_bin, sample_image). make_split_pages DIR writes a4.png,
# phone.jpg (no truth: the sample's tiles have no single reading order),
# two-column, three-column, table and book (.png and .txt). The text is
# written here; pango-view typesets it at 300 dpi (DejaVu fonts), then
# ImageMagick makes a scan of it: turned by 0.3 degrees, a little soft,
# grey noise. Deterministic (fixed seeds, no time chunks).

png_opts=(-define "png:exclude-chunks=date,time")

# points PX: pixels at 300 dpi in points (pango-view's unit).
points() { awk -v p="$1" 'BEGIN { printf "%d", p * 72 / 300 }'; }

# render OUT FONT WIDTH_PX PANGO-VIEW-ARGS...: typeset at 300 dpi, wrapped
# at the width.
render() {
  local out="$1" font="$2" width="$3"
  shift 3
  pango-view -q --dpi=300 --font="$font" --width="$(points "$width")" \
    --wrap=word --margin=0 --background=white --foreground=black \
    --hinting=none -o "$out" "$@"
}
# typeset_text OUT FONT WIDTH_PX FILE [OPTIONS...]; typeset_string OUT FONT
# WIDTH_PX TEXT [OPTIONS...]
typeset_text() { render "$1" "$2" "$3" "${@:5}" "$4"; }
typeset_string() { render "$1" "$2" "$3" "${@:5}" --text="$4"; }

# scan IN OUT SEED: the page as a scanner delivers it.
scan() {
  convert "$1" -colorspace Gray -background white -rotate 0.3 +repage \
    -gravity center -extent 2480x3508 -blur 0x0.8 -seed "$3" \
    -attenuate 0.35 +noise Gaussian -depth 8 -units PixelsPerInch \
    -density 300 "${png_opts[@]}" "$2"
}

# paragraphs FILE PARA...: the paragraphs, a blank line between two.
paragraphs() {
  local file="$1"
  shift
  printf '%s\n\n' "$@" | sed '$d' >"$file"
}

make_two_column() {
  local dir="$1" tmp="$1/tmp.two"
  mkdir -p "$tmp"
  local title="Notes from the Valley Ferry"
  local para=(
    "The ferry crosses the river eleven times a day between the mill landing and the village on the far bank. In dry summers the crossing takes four minutes; after the spring rains, when the current runs brown and fast, the pilot needs twice as long and keeps well upstream of the old bridge piers."
    "The boat itself is the third of its name. The first was a flat raft pulled along a rope, the second a wooden launch with a paraffin engine that could be heard from the church tower. The present one was built in a yard on the coast and brought up the river on the back of a lorry."
    "Regular passengers are few but loyal. A baker brings bread across before six, two teachers travel back and forth with the school term, and on market days farmers crowd the deck with crates of eggs, baskets of plums and, once a year, a reluctant goat."
    "Tickets are still punched by hand. The pilot keeps a tin box of coins under the wheel and writes every crossing in a notebook: the time, the height of the water, the number of people and anything unusual, such as a swan that refused to leave the landing."
    "Those notebooks now fill a whole shelf in the parish office. Read together they describe forty years of weather, floods and small events that no newspaper ever printed, and the local history group has begun to copy them out page by page."
    "The group hopes to finish before the anniversary next autumn. Volunteers work in pairs, one reading aloud and one typing, and they compare their copies each evening so that a tired eye does not turn a seven into a one."
  )
  paragraphs "$tmp/col1.txt" "${para[@]:0:3}"
  paragraphs "$tmp/col2.txt" "${para[@]:3:3}"
  typeset_string "$tmp/title.png" "DejaVu Sans Bold 20" 2000 "$title" --align=center
  typeset_text "$tmp/col1.png" "DejaVu Serif 11" 990 "$tmp/col1.txt" --justify
  typeset_text "$tmp/col2.png" "DejaVu Serif 11" 990 "$tmp/col2.txt" --justify
  convert -size 2480x3508 xc:white \
    "$tmp/title.png" -geometry +240+260 -composite \
    "$tmp/col1.png" -geometry +200+520 -composite \
    "$tmp/col2.png" -geometry +1290+520 -composite "$tmp/page.png"
  scan "$tmp/page.png" "$dir/two-column.png" 11
  paragraphs "$dir/two-column.txt" "$title" "${para[@]}"
  rm -rf "$tmp"
}

make_three_column() {
  local dir="$1" tmp="$1/tmp.three"
  mkdir -p "$tmp"
  local title="A Season in the Hill Orchards"
  local deck="Frost, bees and a borrowed press: how one cooperative keeps forty old varieties alive."
  local para=(
    "On the terraces above the town the first blossom opens in the middle of April, and from then on the growers watch the sky at night. A single frost in the wrong week can take half the crop."
    "Most of the trees are older than the people who tend them. Some were planted by monks, others by families who left for the cities and never came back to pick the fruit."
    "The cooperative was founded twelve years ago by six neighbours who were tired of seeing apples rot in the grass. Today it has ninety members and a small shop beside the station."
    "Its most precious asset is a list. Every variety growing on the hills has been named, photographed and described, from the tiny yellow Paris Drop to the heavy red Miller's Pride."
    "Bees matter as much as trees. A retired teacher keeps thirty hives along the upper wall and moves them by hand, at dawn, when the wind turns cold from the north."
    "In September the members share a press borrowed from the valley school. It runs from morning to midnight, and the juice is sold in plain bottles with a handwritten label."
    "Visitors are welcome, though the paths are steep. The shop sells maps for a small coin, and the walk from the station to the highest orchard takes a little under an hour."
    "Next year the group plans a nursery, so that cuttings from the oldest trees can be grafted and planted before the last of them fall in a winter storm."
    "Until then the list grows slowly. Each new variety is written on a card, the card is pinned to the wall of the shop, and everyone who comes in stops to read it."
  )
  paragraphs "$tmp/col1.txt" "${para[@]:0:3}"
  paragraphs "$tmp/col2.txt" "${para[@]:3:3}"
  paragraphs "$tmp/col3.txt" "${para[@]:6:3}"
  typeset_string "$tmp/title.png" "DejaVu Serif Bold 26" 2080 "$title"
  typeset_string "$tmp/deck.png" "DejaVu Sans Oblique 12" 2080 "$deck"
  local c
  for c in 1 2 3; do
    typeset_text "$tmp/col$c.png" "DejaVu Serif 10" 650 "$tmp/col$c.txt" --justify
  done
  convert -size 2480x3508 xc:white \
    "$tmp/title.png" -geometry +200+240 -composite \
    "$tmp/deck.png" -geometry +200+460 -composite \
    -stroke black -strokewidth 4 -draw "line 200,600 2280,600" \
    "$tmp/col1.png" -geometry +200+680 -composite \
    "$tmp/col2.png" -geometry +915+680 -composite \
    "$tmp/col3.png" -geometry +1630+680 -composite "$tmp/page.png"
  scan "$tmp/page.png" "$dir/three-column.png" 12
  paragraphs "$dir/three-column.txt" "$title" "$deck" "${para[@]}"
  rm -rf "$tmp"
}

make_table() {
  local dir="$1" tmp="$1/tmp.table"
  mkdir -p "$tmp"
  local title="Ferry crossings, first week of June"
  local intro="Crossings and passengers counted by the pilot, with the height of the water at noon."
  local note="On Thursday the boat stayed at the landing for two hours while a fallen tree was cleared."
  local rows=(
    "Day|Crossings|Passengers|Water (cm)|Pilot"
    "Monday|11|64|118|Hollis"
    "Tuesday|11|58|121|Hollis"
    "Wednesday|10|71|125|Marden"
    "Thursday|8|40|139|Marden"
    "Friday|11|96|131|Hollis"
    "Saturday|12|143|127|Okafor"
    "Total|63|472||"
  )
  typeset_string "$tmp/title.png" "DejaVu Sans Bold 16" 2000 "$title"
  typeset_string "$tmp/intro.png" "DejaVu Serif 11" 2000 "$intro"
  typeset_string "$tmp/note.png" "DejaVu Serif 11" 2000 "$note"
  local xs=(240 700 1080 1480 1860 2240) top=760 row_h=120
  local args=() r c cells font
  for ((r = 0; r < ${#rows[@]}; r++)); do
    IFS='|' read -r -a cells <<<"${rows[r]}"
    font="DejaVu Sans 11"
    ((r == 0 || r == ${#rows[@]} - 1)) && font="DejaVu Sans Bold 11"
    for ((c = 0; c < ${#cells[@]}; c++)); do
      [[ -n "${cells[c]}" ]] || continue
      typeset_string "$tmp/cell-$r-$c.png" "$font" 360 "${cells[c]}"
      args+=("$tmp/cell-$r-$c.png" -geometry "+$((xs[c] + 30))+$((top + r * row_h + 30))" -composite)
    done
  done
  local bottom=$((top + ${#rows[@]} * row_h)) draw=()
  for ((r = 0; r <= ${#rows[@]}; r++)); do
    draw+=(-draw "line ${xs[0]},$((top + r * row_h)) ${xs[5]},$((top + r * row_h))")
  done
  for c in "${xs[@]}"; do draw+=(-draw "line $c,$top $c,$bottom"); done
  convert -size 2480x3508 xc:white \
    "$tmp/title.png" -geometry +240+300 -composite \
    "$tmp/intro.png" -geometry +240+520 -composite \
    "${args[@]}" "$tmp/note.png" -geometry "+240+$((bottom + 140))" -composite \
    -stroke black -strokewidth 3 "${draw[@]}" "$tmp/page.png"
  scan "$tmp/page.png" "$dir/table.png" 13
  {
    printf '%s\n\n%s\n\n' "$title" "$intro"
    local row line cell
    for row in "${rows[@]}"; do
      IFS='|' read -r -a cells <<<"$row"
      line=""
      for cell in "${cells[@]}"; do [[ -z "$cell" ]] || line+="${line:+ }$cell"; done
      printf '%s\n' "$line"
    done
    printf '\n%s\n' "$note"
  } >"$dir/table.txt"
  rm -rf "$tmp"
}

make_book() {
  local dir="$1" tmp="$1/tmp.book"
  mkdir -p "$tmp"
  local header_left="THE LANTERN KEEPER" header_right="Chapter Three" number="47"
  local para=(
    "By the time the boat reached the island the wind had dropped, and the sea lay flat and grey under a low sky. Ada climbed the steps from the jetty with her bag on her shoulder, counting them as her father had taught her, and found that there were still one hundred and twelve."
    "The tower stood at the top of the path, whiter than she remembered. Someone had painted the door green since her last visit, and the brass handle had been polished until it shone. She set down the bag, took the heavy key from her pocket and turned it twice in the lock."
    "Inside, the air smelled of oil and cold stone. The stairs wound up into the dark, and somewhere above her a window rattled in its frame. She lit the small lamp that hung by the door, as every keeper before her had done, and began to climb towards the lamp room."
    "Halfway up she stopped at the log book on its narrow shelf. The last entry was in her father's hand, dated the ninth of November: wind north-west, visibility good, all lamps in order. Below it he had drawn a small star, a mark she had never seen him use before."
    "She turned the pages back, looking for another star, and found one in March, another in July and a third at the end of the summer. Each one sat beside a night on which, according to the weather column, nothing at all had happened."
    "Ada carried the book up to the lamp room and laid it open on the table under the window. From there she could see the whole of the channel, the two buoys at its mouth and, far off, the smudge of smoke above the harbour town where her mother was waiting for a letter."
    "She wrote the date at the top of a fresh page and then sat for a long time without writing anything else. The lamp turned above her head, slow and patient, sweeping its beam across the water once every twelve seconds, exactly as it had done on each of the starred nights."
    "When it grew dark she went down to the store room and brought up the spare wicks, the oil can and the long brush for the glass. Her father had kept them in a wooden crate marked with his initials, and under the crate, wrapped in a piece of sailcloth, she found a second log book."
    "It was smaller than the first and bound in brown leather, and its pages were full of figures rather than words: times, bearings and distances, columns of them, written in pencil and checked in ink. On the inside of the cover he had drawn the same small star."
  )
  local footnote="1 The lamp room was rebuilt in 1887 after a storm broke every pane of its glass; the log books before that year are kept in the harbour office."
  printf '%s\n' "${para[@]}" >"$tmp/body.txt"
  typeset_string "$tmp/left.png" "DejaVu Serif 9" 900 "$header_left"
  typeset_string "$tmp/right.png" "DejaVu Serif Italic 9" 900 "$header_right" --align=right
  typeset_text "$tmp/body.png" "DejaVu Serif 11" 1880 "$tmp/body.txt" --justify --indent=18
  typeset_string "$tmp/foot.png" "DejaVu Serif 8" 1880 "$footnote"
  typeset_string "$tmp/number.png" "DejaVu Serif 10" 200 "$number" --align=center
  local foot_h
  foot_h="$(identify -format %h "$tmp/foot.png")"
  convert -size 2480x3508 xc:white \
    "$tmp/left.png" -geometry +300+230 -composite \
    "$tmp/right.png" -geometry +1280+230 -composite \
    -stroke black -strokewidth 2 -draw "line 300,310 2180,310" \
    "$tmp/body.png" -geometry +300+420 -composite \
    -draw "line 300,$((3080 - foot_h - 40)) 900,$((3080 - foot_h - 40))" \
    "$tmp/foot.png" -geometry "+300+$((3080 - foot_h))" -composite \
    "$tmp/number.png" -geometry +1140+3200 -composite "$tmp/page.png"
  scan "$tmp/page.png" "$dir/book.png" 14
  paragraphs "$dir/book.txt" "$header_left $header_right" "${para[@]}" "$footnote" "$number"
  rm -rf "$tmp"
}

# make_split_pages DIR: every page of bench/split.sh.
make_split_pages() {
  local dir="$1"
  "$page_bin" a4 "$sample_image" "$dir/a4.png"
  "$page_bin" phone "$sample_image" "$dir/phone.jpg"
  make_two_column "$dir"
  make_three_column "$dir"
  make_table "$dir"
  make_book "$dir"
}
