#!/usr/bin/env bash
# docker_images: builds both images with build_images.sh and proves that they
# work as deployed: a real upload through the gateway container to the model
# container, over V2 REST and over V2 gRPC (a second gateway container with
# --upstream-protocol=grpc); the model container's gRPC port answering a real
# gRPC client (grpc_check.py: health, reflection, inference); non-root,
# read-only root filesystem, HEALTHCHECK healthy, and a quick clean exit
# (code 0) on `docker stop`.
#
# Starts its own Docker daemon when none is reachable (data root in
# $OCR_DOCKER_TEST_DIR, kept between runs as a layer cache) and stops it at
# the end, putting iptables and the network links back as they were; it
# checks that itself. Everything it creates is removed on any exit.
#
# Environment (set by CMake): OCR_REPO_ROOT, OCR_TESTDATA_DIR, OCR_DOCKER_TEST_DIR.
# Host tools besides Docker: curl, and for the gRPC client /usr/bin/python3
# with python3-grpcio and python3-protobuf, protoc and grpc_python_plugin
# (protobuf-compiler, protobuf-compiler-grpc; scripts/install-deps.sh).
set -euo pipefail

: "${OCR_REPO_ROOT:?}" "${OCR_TESTDATA_DIR:?}" "${OCR_DOCKER_TEST_DIR:?}"
docker=/usr/bin/docker  # the 20.10 client; see docs/containers.md
tag=ctest
model_image="ocr-model-server:$tag"
gateway_image="ocr-gateway:$tag"
upload="$OCR_TESTDATA_DIR/images/pyt-test.png"
expected_text="The quick brown dog"
work="$OCR_DOCKER_TEST_DIR"
suffix="ctest-$$"
net="ocr-$suffix"
model_c="ocr-model-$suffix"
gateway_c="ocr-gateway-$suffix"
gateway_grpc_c="ocr-gateway-grpc-$suffix"
python=/usr/bin/python3  # Debian's, with python3-grpcio
test_start=$SECONDS

log() { echo "docker_test: $*" >&2; }
fail() {
  log "FAIL: $*"
  exit 1
}

# ---- Network state, to prove nothing is left behind. ----
links() { ip -o link show | awk -F': ' '{sub(/@.*/, "", $2); print $2}' | sort; }
snapshot() {  # snapshot DIR
  mkdir -p "$1"
  iptables -t filter -S >"$1/filter"
  iptables -t nat -S >"$1/nat"
  links >"$1/links"
  cat /proc/sys/net/ipv4/ip_forward >"$1/ip_forward"
}

# Undoes what dockerd leaves behind when it stops (FORWARD policy DROP, the
# DOCKER* chains and their jumps, docker0, bridges and veths, ip_forward):
# exactly the difference from the snapshot taken before it started.
restore_network() {  # restore_network SNAPSHOT_DIR
  local before="$1" table line chain
  for table in filter nat; do
    # Rules first (they may jump to the chains deleted next).
    while IFS= read -r line; do
      case "$line" in
        "-A "*) eval "iptables -t $table -D ${line#-A }" || true ;;
      esac
    done < <(comm -13 <(sort "$before/$table") <(iptables -t "$table" -S | sort))
    while IFS= read -r line; do
      case "$line" in
        "-N "*)
          chain="${line#-N }"
          iptables -t "$table" -F "$chain" || true
          iptables -t "$table" -X "$chain" || true
          ;;
      esac
    done < <(comm -13 <(sort "$before/$table") <(iptables -t "$table" -S | sort))
    while read -r _ chain policy; do
      iptables -t "$table" -P "$chain" "$policy"
    done < <(grep '^-P ' "$before/$table")
  done
  while IFS= read -r line; do
    case "$line" in
      docker0 | br-* | veth*) ip link delete "$line" || true ;;
    esac
  done < <(comm -13 "$before/links" <(links))
  if [ "$(cat /proc/sys/net/ipv4/ip_forward)" != "$(cat "$before/ip_forward")" ]; then
    cat "$before/ip_forward" >/proc/sys/net/ipv4/ip_forward || true
  fi
}

# ---- Docker daemon: the reachable one, else our own. ----
daemon_pid=""
run_dir=""
start_daemon() {
  mkdir -p "$work"
  # A daemon of an earlier run killed before its cleanup (e.g. by a timeout)
  # still holds the data root: stop it first.
  if [ -f "$work/dockerd.pid" ]; then
    local old
    old="$(cat "$work/dockerd.pid")"
    if [ "$(cat "/proc/$old/comm" 2>/dev/null)" = dockerd ]; then
      log "stopping the dockerd ($old) an earlier run left"
      kill "$old"
      for _ in $(seq 60); do [ -d "/proc/$old" ] || break; sleep 0.5; done
    fi
    rm -f "$work/dockerd.pid"
  fi
  # Sockets live under a short path (unix socket paths are limited to 108
  # bytes); the data root (image cache) stays in the build tree.
  run_dir="$(mktemp -d /tmp/ocr-dockerd.XXXXXX)"
  export DOCKER_HOST="unix://$run_dir/docker.sock"
  log "starting dockerd (data root $work/data, log $work/dockerd.log)"
  /usr/sbin/dockerd --data-root "$work/data" --exec-root "$run_dir/exec" \
    -p "$work/dockerd.pid" -H "$DOCKER_HOST" >"$work/dockerd.log" 2>&1 &
  daemon_pid=$!
  for _ in $(seq 60); do
    if "$docker" info >/dev/null 2>&1; then return 0; fi
    [ -d "/proc/$daemon_pid" ] || break
    sleep 0.5
  done
  tail -n 20 "$work/dockerd.log" >&2 || true
  fail "dockerd did not start"
}

stop_daemon() {
  [ -n "$daemon_pid" ] || return 0
  log "stopping dockerd ($daemon_pid)"
  kill "$daemon_pid" 2>/dev/null || true
  for _ in $(seq 60); do [ -d "/proc/$daemon_pid" ] || break; sleep 0.5; done
  if [ -d "/proc/$daemon_pid" ]; then
    log "dockerd ignored SIGTERM for 30 s; killing it"
    kill -9 "$daemon_pid" 2>/dev/null || true
  fi
  wait "$daemon_pid" 2>/dev/null || true
  daemon_pid=""
}

cleanup() {
  local rc=$?
  set +e
  trap - EXIT
  "$docker" rm -f "$gateway_grpc_c" "$gateway_c" "$model_c" >/dev/null 2>&1
  "$docker" network rm "$net" >/dev/null 2>&1
  if [ -n "$daemon_pid" ]; then
    stop_daemon
    restore_network "$work/net-before"
  fi
  [ -n "$run_dir" ] && rm -rf "$run_dir"
  snapshot "$work/net-after"
  local what
  for what in filter nat links ip_forward; do
    if ! diff -u "$work/net-before/$what" "$work/net-after/$what" >&2; then
      log "FAIL: the test left $what changed (diff above)"
      rc=1
    fi
  done
  log "total $((SECONDS - test_start)) s; exit $rc"
  exit "$rc"
}

# ---- Helpers. ----
inspect() { "$docker" inspect -f "$2" "$1"; }  # inspect OBJECT FORMAT

published_port() {  # published_port CONTAINER PORT
  local hostport
  hostport="$("$docker" port "$1" "$2/tcp" | awk 'NR == 1')"
  if [[ "$hostport" != 127.0.0.1:* ]]; then
    "$docker" logs "$1" 2>&1 | tail -n 20 >&2 || true
    fail "$1:$2 is published on '$hostport', not 127.0.0.1"
  fi
  echo "${hostport##*:}"
}

wait_healthy() {  # wait_healthy CONTAINER SECONDS
  local status="" deadline=$((SECONDS + $2))
  while [ $SECONDS -lt $deadline ]; do
    [ "$(inspect "$1" '{{.State.Running}}')" = true ] || {
      "$docker" logs "$1" >&2 || true
      fail "$1 exited: $(inspect "$1" '{{.State.Status}} {{.State.ExitCode}}')"
    }
    status="$(inspect "$1" '{{.State.Health.Status}}')"
    case "$status" in
      healthy) return 0 ;;
      unhealthy) break ;;
    esac
    sleep 1
  done
  inspect "$1" '{{json .State.Health}}' >&2 || true
  "$docker" logs "$1" >&2 || true
  fail "$1 is '$status', not healthy, after $2 s"
}

wait_http() {  # wait_http URL SECONDS: the first request to a new port may be reset
  local deadline=$((SECONDS + $2))
  until curl -fsS --max-time 2 -o /dev/null "$1" 2>/dev/null; do
    [ $SECONDS -lt $deadline ] || fail "$1 did not answer 2xx within $2 s"
    sleep 0.5
  done
}

check_non_root() {  # every process of the container runs as UID 10001
  local c="$1" uids
  uids="$("$docker" top "$c" -eo pid,uid,comm | awk 'NR > 1 {print $2}' | sort -u)"
  [ "$uids" = 10001 ] || fail "$c runs processes as UID(s) '$uids', want only 10001"
  [ "$(inspect "$c" '{{.Config.User}}')" = 10001:10001 ] || fail "$c: image USER is not 10001:10001"
  local pid
  pid="$(inspect "$c" '{{.State.Pid}}')"
  awk '/^Uid:/ {exit !($2 == 10001 && $3 == 10001)}' "/proc/$pid/status" ||
    fail "$c: PID 1 ($pid on the host) does not run as 10001: $(grep '^Uid:' "/proc/$pid/status")"
}

check_read_only() {
  local c="$1" out
  [ "$(inspect "$c" '{{.HostConfig.ReadonlyRootfs}}')" = true ] || fail "$c: root fs not read-only"
  # Even root cannot write there (the service itself runs as 10001).
  if out="$("$docker" exec -u 0 "$c" /usr/bin/touch /written 2>&1)"; then
    fail "$c: writing to / succeeded"
  fi
  [[ "$out" == *"Read-only file system"* ]] || fail "$c: unexpected error writing to /: $out"
}

check_image_config() {  # labels, exec-form entrypoint and healthcheck
  local image="$1" version
  version="$(sed -n 's/^project([^)]*VERSION \([0-9][0-9.]*\).*/\1/p' "$OCR_REPO_ROOT/CMakeLists.txt")"
  [ "$(inspect "$image" '{{index .Config.Labels "org.opencontainers.image.version"}}')" = "$version" ] ||
    fail "$image: label version is not $version"
  local label
  for label in title description source licenses revision; do
    [ -n "$(inspect "$image" "{{index .Config.Labels \"org.opencontainers.image.$label\"}}")" ] ||
      fail "$image: no org.opencontainers.image.$label label"
  done
  [ "$(inspect "$image" '{{index .Config.Healthcheck.Test 0}}')" = CMD ] ||
    fail "$image: HEALTHCHECK is not in exec form"
  [[ "$(inspect "$image" '{{index .Config.Entrypoint 0}}')" == /usr/local/bin/ocr-* ]] ||
    fail "$image: ENTRYPOINT is not the binary in exec form"
  # Every binary finds its shared libraries (gRPC, protobuf, ...), including
  # those the test does not run (ocr, ocr-probe's twin in the other image).
  local missing
  # shellcheck disable=SC2016  # expanded by the container's sh
  missing="$("$docker" run --rm --entrypoint /bin/sh "$image" -c \
    'for b in /usr/local/bin/*; do ldd "$b" | sed "s|^|$b: |"; done' | grep 'not found' || true)"
  [ -z "$missing" ] || fail "$image: shared libraries missing: $missing"
}

# count_metric TEXT NAME LABEL=VALUE...: the value of the one series of NAME
# having those labels (in any order), or "" when there is none.
count_metric() {
  local text="$1" name="$2"
  shift 2
  awk -v name="$name" -v want="$*" '
    index($0, name "{") == 1 {
      n = split(want, w, " "); hit = 1
      for (i = 1; i <= n; i++) {
        split(w[i], kv, "="); if (index($0, kv[1] "=\"" kv[2] "\"") == 0) hit = 0
      }
      if (hit) { print $NF; exit }
    }' <<<"$text"
}

stop_quickly() {  # docker stop -t 10 returns in < 5 s and the exit code is 0
  local c="$1" start_ms end_ms
  start_ms="$(date +%s%3N)"
  "$docker" stop -t 10 "$c" >/dev/null
  end_ms="$(date +%s%3N)"
  log "$c stopped in $((end_ms - start_ms)) ms"
  [ $((end_ms - start_ms)) -lt 5000 ] || fail "$c took $((end_ms - start_ms)) ms to stop (SIGTERM not handled?)"
  [ "$(inspect "$c" '{{.State.ExitCode}}')" = 0 ] ||
    fail "$c exited with $(inspect "$c" '{{.State.ExitCode}}') on SIGTERM, want 0"
}

# ---- The test. ----
[ -f "$upload" ] || fail "missing $upload"
for tool in "$python" protoc /usr/bin/grpc_python_plugin curl; do
  command -v "$tool" >/dev/null || fail "$tool not found (scripts/install-deps.sh installs it)"
done
"$python" -c 'import grpc, google.protobuf' 2>/dev/null ||
  fail "$python lacks grpcio or protobuf (apt-get install python3-grpcio python3-protobuf)"
# dockerd, debootstrap and iptables (the before/after comparison) need root.
[ "$(id -u)" -eq 0 ] || fail "must run as root"
mkdir -p "$work"
rm -rf "$work/net-before" "$work/net-after"
snapshot "$work/net-before"
trap cleanup EXIT

# The compose file must stay valid and its default tag the project version.
if command -v docker-compose >/dev/null; then
  docker-compose -f "$OCR_REPO_ROOT/docker/compose.yaml" config -q || fail "docker/compose.yaml is invalid"
else
  log "docker-compose not installed: not validating docker/compose.yaml"
fi
version="$(sed -n 's/^project([^)]*VERSION \([0-9][0-9.]*\).*/\1/p' "$OCR_REPO_ROOT/CMakeLists.txt")"
grep -q "OCR_TAG:-$version}" "$OCR_REPO_ROOT/docker/compose.yaml" ||
  fail "docker/compose.yaml's default OCR_TAG is not the project version $version"
# One builder stage for both images, so the C++ compiles once.
builder() { sed -n '/^FROM debian:bookworm-slim AS build/,/^FROM /p' "$1" | grep -v '^#'; }
diff <(builder "$OCR_REPO_ROOT/docker/model/Dockerfile") \
  <(builder "$OCR_REPO_ROOT/docker/gateway/Dockerfile") >&2 ||
  fail "the builder stages of docker/model and docker/gateway differ"

if "$docker" info >/dev/null 2>&1; then
  log "using the Docker daemon at ${DOCKER_HOST:-the default socket}"
else
  start_daemon
fi

step=$SECONDS
# An extra language proves the LANGUAGES build-arg.
bash "$OCR_REPO_ROOT/build_images.sh" --tag "$tag" --languages deu --revision ctest
log "images built in $((SECONDS - step)) s"

check_image_config "$model_image"
check_image_config "$gateway_image"
# The gateway image carries no Tesseract.
if "$docker" run --rm --entrypoint /usr/bin/dpkg-query "$gateway_image" -W libtesseract5 >/dev/null 2>&1; then
  fail "$gateway_image contains libtesseract5"
fi
# The model image publishes V2 gRPC next to REST.
[[ "$(inspect "$model_image" '{{json .Config.ExposedPorts}}')" == *'"8081/tcp"'* ]] ||
  fail "$model_image does not EXPOSE 8081"

step=$SECONDS
"$docker" network create "$net" >/dev/null
# Published on 127.0.0.1 only, on ports Docker picks (free by construction).
"$docker" run -d --name "$model_c" --network "$net" --network-alias model \
  --read-only --tmpfs /tmp -p 127.0.0.1::8080 -p 127.0.0.1::8081 "$model_image" >/dev/null
"$docker" run -d --name "$gateway_c" --network "$net" \
  --read-only --tmpfs /tmp -p 127.0.0.1::8001 "$gateway_image" \
  --model-url=http://model:8080 >/dev/null
# The same gateway image talking V2 gRPC to the model's port 8081, set
# through the environment as the Helm chart does.
"$docker" run -d --name "$gateway_grpc_c" --network "$net" \
  --read-only --tmpfs /tmp -p 127.0.0.1::8001 \
  -e GATEWAY_UPSTREAM_PROTOCOL=grpc -e GATEWAY_MODEL_URL=grpc://model:8081 \
  "$gateway_image" >/dev/null
model_port="$(published_port "$model_c" 8080)"
model_grpc_port="$(published_port "$model_c" 8081)"
gateway_port="$(published_port "$gateway_c" 8001)"
gateway_grpc_port="$(published_port "$gateway_grpc_c" 8001)"
log "model on 127.0.0.1:$model_port (gRPC :$model_grpc_port), gateways on 127.0.0.1:$gateway_port (REST) and :$gateway_grpc_port (gRPC)"

wait_healthy "$model_c" 120
wait_healthy "$gateway_c" 60
wait_healthy "$gateway_grpc_c" 60
log "the three containers healthy in $((SECONDS - step)) s"
wait_http "http://127.0.0.1:$model_port/v2/health/ready" 20
wait_http "http://127.0.0.1:$gateway_port/readyz" 20
wait_http "http://127.0.0.1:$gateway_grpc_port/readyz" 20

# A real upload: host -> gateway container -> model container.
answer="$(curl -sS --max-time 60 -w '\n%{http_code}' \
  -F "image_file=@$upload" "http://127.0.0.1:$gateway_port/gateway/ocr")"
code="${answer##*$'\n'}"
[ "$code" = 200 ] || fail "upload answered HTTP $code: ${answer%$'\n'*}"
[[ "$answer" == *"$expected_text"* ]] || fail "upload answer lacks '$expected_text': $answer"
log "upload OK: $(tr -d '\n' <<<"${answer%$'\n'*}" | cut -c1-160)"
# The model container did the work.
# (Into a variable first: `curl | grep -q` fails under pipefail when grep
# stops reading early.)
metrics="$(curl -fsS "http://127.0.0.1:$model_port/metrics")"
grep -Eq '^ocr_images_recognized_total\{[^}]*\} 1$' <<<"$metrics" ||
  fail "the model's ocr_images_recognized_total is not 1"
# The LANGUAGES build-arg installed German.
languages="$(curl -fsS "http://127.0.0.1:$gateway_port/gateway/languages")"
[[ "$languages" == *'"deu"'* && "$languages" == *'"eng"'* ]] ||
  fail "languages lack eng or deu: $languages"

# V2 gRPC on the model container's published 8081, from a real gRPC client:
# health, reflection, ModelInfer (1 OK, 1 NOT_FOUND).
step=$SECONDS
"$python" "$OCR_REPO_ROOT/tests/deploy/docker/grpc_check.py" "127.0.0.1:$model_grpc_port" \
  "$OCR_REPO_ROOT/src/proto/grpc_predict_v2.proto" "$upload" "$expected_text" ||
  fail "the model container's V2 gRPC port failed the checks above"
log "gRPC client checks OK in $((SECONDS - step)) s"

# A real upload through the gRPC gateway: host -> gateway -> gRPC -> model.
answer="$(curl -sS --max-time 60 -w '\n%{http_code}' \
  -F "image_file=@$upload" "http://127.0.0.1:$gateway_grpc_port/gateway/ocr")"
code="${answer##*$'\n'}"
[ "$code" = 200 ] || fail "upload through the gRPC gateway answered HTTP $code: ${answer%$'\n'*}"
[[ "$answer" == *"$expected_text"* ]] || fail "gRPC gateway's answer lacks '$expected_text': $answer"
log "upload over gRPC OK: $(tr -d '\n' <<<"${answer%$'\n'*}" | cut -c1-160)"
# The model counted both ModelInfer calls that succeeded (the client's and
# the gateway's) and the unknown model, in the go-grpc-prometheus metrics.
metrics="$(curl -fsS "http://127.0.0.1:$model_port/metrics")"
infer_ok="$(count_metric "$metrics" grpc_server_handled_total grpc_method=ModelInfer grpc_code=OK)"
infer_nf="$(count_metric "$metrics" grpc_server_handled_total grpc_method=ModelInfer grpc_code=NotFound)"
if [ "$infer_ok" != 2 ] || [ "$infer_nf" != 1 ]; then
  fail "grpc_server_handled_total{grpc_method=ModelInfer}: OK '$infer_ok' (want 2), NotFound '$infer_nf' (want 1)"
fi
grep -Eq '^ocr_images_recognized_total\{[^}]*\} 3$' <<<"$metrics" ||
  fail "the model's ocr_images_recognized_total is not 3 after the REST and the two gRPC inferences"
gateway_metrics="$(curl -fsS "http://127.0.0.1:$gateway_grpc_port/metrics")"
grep -Eq '^gateway_upstream_protocol_info\{[^}]*protocol="grpc"[^}]*\} 1' <<<"$gateway_metrics" ||
  fail "the gRPC gateway does not report gateway_upstream_protocol_info{protocol=\"grpc\"} 1"

for c in "$model_c" "$gateway_c" "$gateway_grpc_c"; do
  check_non_root "$c"
  check_read_only "$c"
done

# Gateways first, as an orchestrator would drain the front door first.
stop_quickly "$gateway_c"
stop_quickly "$gateway_grpc_c"
stop_quickly "$model_c"
log "PASS"
