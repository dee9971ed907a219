# shellcheck shell=bash disable=SC2034,SC2154 # lib.sh sets the programs, ports, $work, $n
# The protocols section of the load benchmark (issue 12): bench/run.sh
# prints it with its report, bench/protocols.sh runs it alone. Sourced after
# lib.sh and find_programs. One model service (N engines, its gRPC port
# open) and three gateways in front of it, one per upstream protocol; the
# same image at the same concurrency over every path, one cell after the
# other:
#   model V2 JSON (base64)               ocr_bench_load --mode=v2
#   model V2 binary (JSON header + raw)  --mode=v2-binary
#   model V2 raw form                    --mode=v2-raw
#   model gRPC (raw_input_contents)      ocr_bench_grpc_load --contents=raw
#   model gRPC (bytes_contents)          --contents=bytes
#   gateway over v2-json|v2-binary|grpc  --mode=multipart, one gateway each
# in three groups: the sample recognised every time (what users see: OCR
# dominates), the sample with the result cache on (--result-cache-mb: every
# request after the first is answered without recognising, so the rows show
# the protocols' own cost: parsing, base64, copies), and a large
# uncompressed TIFF with the cache on (base64 and JSON cost with the size).

# protocols_paths: the rows, "NAME|KIND" (KIND: model or gateway).
protocols_paths=(
  "model V2 JSON (base64)|model"
  "model V2 binary (JSON header + raw)|model"
  "model V2 raw form|model"
  "model gRPC (raw_input_contents)|model"
  "model gRPC (bytes_contents)|model"
  "gateway over v2-json|gateway"
  "gateway over v2-binary|gateway"
  "gateway over grpc|gateway"
)

# protocols_start [MODEL FLAGS...]: the model service with its gRPC port,
# the v2-json gateway of start_services and a v2-binary and a grpc one.
protocols_start() {
  rm -f "$work/grpc.port"
  start_services "$n" --grpc-port-file="$work/grpc.port" "$@"
  proto_grpc_target="127.0.0.1:$(wait_port "$work/grpc.port")"
  declare -gA proto_gateway_pid=([v2-json]="$gateway_pid")
  declare -gA proto_gateway_url=([v2-json]="$ocr_url")
  local protocol upstream
  for protocol in v2-binary grpc; do
    upstream="$model_url"
    [[ "$protocol" == grpc ]] && upstream="grpc://$proto_grpc_target"
    start_gateway "$protocol" "$upstream" --upstream-protocol="$protocol"
    proto_gateway_pid[$protocol]="$started_pid"
    proto_gateway_url[$protocol]="$started_url/gateway/ocr"
  done
}

# protocols_load NAME FILE: the load command of a row (without the loop
# flags) into proto_cmd, the processes whose CPU counts into proto_pids.
protocols_load() {
  local file="$2"
  proto_pids=("$model_pid")
  case "$1" in
    "model V2 JSON (base64)") proto_cmd=("$load_bin" --mode=v2 --url="$infer_url" --image="$file") ;;
    "model V2 binary (JSON header + raw)") proto_cmd=("$load_bin" --mode=v2-binary --url="$infer_url" --image="$file") ;;
    "model V2 raw form") proto_cmd=("$load_bin" --mode=v2-raw --url="$infer_url" --image="$file") ;;
    "model gRPC (raw_input_contents)") proto_cmd=("$grpc_load_bin" --target="$proto_grpc_target" --contents=raw --image="$file") ;;
    "model gRPC (bytes_contents)") proto_cmd=("$grpc_load_bin" --target="$proto_grpc_target" --contents=bytes --image="$file") ;;
    "gateway over "*)
      local protocol="${1#gateway over }"
      proto_cmd=("$load_bin" --mode=multipart --url="${proto_gateway_url[$protocol]}" --image="$file")
      proto_pids+=("${proto_gateway_pid[$protocol]}")
      ;;
    *) echo "unknown protocol row: $1" >&2; exit 2 ;;
  esac
}

# protocols_group GROUP FILE CONC SECONDS MIN: every row on FILE; each row
# warmed up with CONC requests first (the first of them fills the result
# cache when it is on).
protocols_group() {
  local group="$1" file="$2" conc="$3" seconds="$4" min="$5"
  local entry name kind json pid before after pids count ticks
  if ((min < conc)); then min="$conc"; fi
  for entry in "${protocols_paths[@]}"; do
    name="${entry%%|*}"
    kind="${entry##*|}"
    protocols_load "$name" "$file"
    "${proto_cmd[@]}" --connections="$conc" --seconds=0 --min-requests="$conc" \
      --requests="$conc" --max-seconds=300 >/dev/null
    mapfile -t pids < <(with_children "${proto_pids[@]}")
    before=0
    after=0
    for pid in "${pids[@]}"; do before=$((before + $(cpu_ticks "$pid"))); done
    json="$("${proto_cmd[@]}" --connections="$conc" --seconds="$seconds" \
      --min-requests="$min" --max-seconds=300)"
    for pid in "${pids[@]}"; do after=$((after + $(cpu_ticks "$pid"))); done
    echo "  protocols $group, $name: $json" >&2
    count="$(field "$json" count)"
    ticks=$((after - before))
    proto_tput["$group/$name"]="$(field "$json" throughput)"
    proto_bytes["$group/$name"]="$(field "$json" request_bytes)"
    proto_rows+=("$group|$name|$kind|$(field "$json" throughput)|$(field "$json" p50_ms)|$(field "$json" p95_ms)|$(field "$json" request_bytes)|$(awk -v t="$ticks" -v hz="$hz" -v c="$count" 'BEGIN { printf "%.2f", (c > 0 ? t * 1000 / hz / c : 0) }')|$count/$(field "$json" errors)")
  done
}

# protocols_measure SAMPLE LARGE_SOURCE CONC SECONDS MIN: the three groups.
# LARGE_SOURCE is made into an uncompressed 8-bit TIFF (ImageMagick). Sets
# proto_* for protocols_table.
protocols_measure() {
  local sample="$1" large="$work/large.tif"
  proto_conc="$3"
  proto_seconds="$4"
  convert "$2" -depth 8 -compress none "$large"
  proto_sample_name="$(basename "$sample")"
  proto_large_desc="$(identify -format '%wx%h' "$large") uncompressed TIFF"
  proto_rows=()
  declare -gA proto_tput=() proto_bytes=()
  echo "protocols: the sample, recognised every time..." >&2
  protocols_start
  protocols_group "sample|off" "$sample" "$3" "$4" "$5"
  stop_services
  echo "protocols: the result cache on, the sample then the large TIFF..." >&2
  protocols_start --result-cache-mb=256
  protocols_group "sample|on" "$sample" "$3" "$4" "$5"
  protocols_group "large|on" "$large" "$3" "$4" "$5"
  stop_services
}

# protocols_table: the rows of protocols_measure, each with its ratios to
# the first row of its kind in its group (model V2 JSON, gateway over
# v2-json).
protocols_table() {
  echo "Protocols: sample = $proto_sample_name, large = $proto_large_desc; concurrency $proto_conc on every row; $(machine_line); ${proto_seconds} s per row, one row after the other in one run. x JSON: req/s (and request bytes) over the group's V2 JSON row (model rows) or gateway over v2-json row (gateway rows). Request bytes: the body the load generator sends (gRPC: the serialized ModelInferRequest; HTTP headers and HTTP/2 framing not counted; the gateway's is the multipart upload, and it sends the model what the model row of its protocol sends). CPU ms/request: utime + stime of the model service and its workers over the row (gateway rows: plus that gateway)."
  echo
  echo "| image | result cache | path | req/s | p50 ms | p95 ms | req/s x JSON | request bytes | bytes x JSON | CPU ms/request | ok/errors |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|"
  local row image cache name kind tput p50 p95 bytes cpu okerr base
  for row in "${proto_rows[@]}"; do
    IFS='|' read -r image cache name kind tput p50 p95 bytes cpu okerr <<<"$row"
    if [[ "$kind" == model ]]; then
      base="$image|$cache/model V2 JSON (base64)"
    else
      base="$image|$cache/gateway over v2-json"
    fi
    echo "| $image | $cache | $name | $tput | $p50 | $p95 | $(ratio "$tput" "${proto_tput[$base]}") | $bytes | $(ratio "$bytes" "${proto_bytes[$base]}") | $cpu | $okerr |"
  done
}

# protocols_targets: "- " lines: failed requests, and what the binary paths
# save on the large image with the cache (no recognition) in one line.
protocols_targets() {
  local errors g="large|on"
  errors="$(printf '%s\n' "${proto_rows[@]}" | awk -F'|' '{ split($10, a, "/"); e += a[2] } END { print e + 0 }')"
  echo "- protocols: failed requests $errors; large TIFF, result cache on, req/s over V2 JSON: binary $(ratio "${proto_tput["$g/model V2 binary (JSON header + raw)"]}" "${proto_tput["$g/model V2 JSON (base64)"]}"), raw form $(ratio "${proto_tput["$g/model V2 raw form"]}" "${proto_tput["$g/model V2 JSON (base64)"]}"), gRPC $(ratio "${proto_tput["$g/model gRPC (raw_input_contents)"]}" "${proto_tput["$g/model V2 JSON (base64)"]}"); gateway over v2-binary $(ratio "${proto_tput["$g/gateway over v2-binary"]}" "${proto_tput["$g/gateway over v2-json"]}"), over grpc $(ratio "${proto_tput["$g/gateway over grpc"]}" "${proto_tput["$g/gateway over v2-json"]}") x over v2-json"
}
