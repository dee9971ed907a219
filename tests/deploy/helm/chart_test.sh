#!/usr/bin/env bash
# Tests the ocr-services Helm chart without a cluster:
#   - helm lint --strict with every ocr-services/ci/*-values.yaml;
#   - helm template of every scenario, each document validated against the
#     Kubernetes / prometheus-operator schemas (validate.mjs);
#   - facts of the rendered objects (manifest_facts.mjs): the gateway's model
#     URL is the rendered model Service (or the KServe predictor), the engine
#     count follows the CPU limit, optional objects appear only when enabled,
#     every workload follows the probe/resource/security/shutdown rules;
#   - the model's NetworkPolicy admits exactly the gateway pods and the
#     Prometheus pods the values name, on the model's ports, nothing else;
#   - gateway.apiKeys mounts the named Secret as the gateway's --api-keys-file;
#   - jobs: --job-dir on a writable volume (emptyDir, or a claim with
#     gateway.jobs.persistence, which needs one gateway pod and Recreate),
#     --job-page-concurrency = engines x model pods, limits in the ConfigMap,
#     the webhook secret from a Secret;
#   - V2 gRPC: the model listens on --grpc-port=8081 (container port grpc),
#     its Service's grpc port has appProtocol grpc, and
#     gateway.upstreamProtocol v2-json / v2-binary / grpc each give the
#     gateway that --upstream-protocol and the matching model URL (grpc:// on
#     the Service's grpc port for grpc), admitted by the NetworkPolicy; grpc
#     with KServe is refused;
#   - the chart says what the binaries do: comma-separated languages, a queue
#     of at least one, the gRPC message limit = the REST body limit by default,
#     each component's secretEnv reaching that component only, and every
#     OCR_*/GATEWAY_* variable the chart sets one the binary reads (its
#     --help lists it: OCR_MODEL_SERVER_BIN, OCR_GATEWAY_BIN);
#   - bad values (unknown key, wrong type, invalid enum) are refused;
#   - the chart's dashboards/ and rules/ copies match monitoring/ originals;
#   - the packaged chart renders the same way.
# Usage: tests/deploy/helm/chart_test.sh   (OCR_REPO_ROOT overrides the repo root)
# Needs: helm from scripts/install-helm.sh, node + npm ci in this folder
# (scripts/install-deps.sh does both).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="${OCR_REPO_ROOT:-$(cd "$here/../../.." && pwd)}"
chart="$root/ocr-services"
release=ocr
namespace=ocr-test

failures=0
pass() { echo "PASS $*"; }
fail() { echo "FAIL $*"; failures=$((failures + 1)); }

# --- tools ---------------------------------------------------------------
helm_bin=""
if [ -x "$root/scripts/install-helm.sh" ]; then
  helm_bin="$("$root/scripts/install-helm.sh" | tail -n 1)"
elif [ -x "$root/.cache/tools/helm" ]; then
  helm_bin="$root/.cache/tools/helm"
fi
if [ -z "$helm_bin" ] || [ ! -x "$helm_bin" ]; then
  echo "chart_test: helm not found; run scripts/install-deps.sh" >&2
  exit 1
fi
if [ ! -d "$here/node_modules/kubernetes-models" ]; then
  echo "chart_test: run 'npm ci' in $here (scripts/install-deps.sh does)" >&2
  exit 1
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
# No cluster here: a kubeconfig pointing at a closed local port, so nothing
# ever reaches a real API server; helm's own state stays in the temp dir.
cat >"$tmp/kubeconfig" <<'EOF'
apiVersion: v1
kind: Config
clusters: [{name: none, cluster: {server: "https://127.0.0.1:1"}}]
contexts: [{name: none, context: {cluster: none, user: none}}]
users: [{name: none, user: {}}]
current-context: none
EOF
chmod 600 "$tmp/kubeconfig"
export KUBECONFIG="$tmp/kubeconfig"
export HELM_CACHE_HOME="$tmp/helm/cache" HELM_CONFIG_HOME="$tmp/helm/config" HELM_DATA_HOME="$tmp/helm/data"

helm() { "$helm_bin" "$@"; }
render() { helm template "$release" "$chart" --namespace "$namespace" "$@"; }
facts() { node "$here/manifest_facts.mjs" "$1"; }
fact() { grep -E "^$2=" "$1" | head -n 1 | cut -d= -f2- || true; }
count() { local n; n="$(fact "$1" "count_$2")"; echo "${n:-0}"; }

# ceil of a Kubernetes CPU quantity, written independently of the chart's
# template: "2" -> 2, "1500m" -> 2, "0.5" -> 1; at least 1.
cpu_ceil() {
  awk -v q="$1" 'BEGIN {
    v = (q ~ /m$/) ? substr(q, 1, length(q) - 1) / 1000 : q + 0
    n = int(v); if (n < v) n++; if (n < 1) n = 1; print n }'
}

echo "chart_test: $("$helm_bin" version --short), chart $chart"

# The Prometheus peer the chart's defaults (and the ci scenarios) name.
default_prometheus='{"namespaceSelector":{"matchLabels":{"kubernetes.io/metadata.name":"monitoring"}},"podSelector":{"matchLabels":{"app.kubernetes.io/name":"prometheus"}}}'
check_model_netpol() { # $1 = label, $2 = facts file, $3 = expected Prometheus peer (JSON)
  local peers prom n
  n="$(fact "$2" model_netpol_count)" peers="$(fact "$2" model_netpol_peers)"
  prom="$(fact "$2" model_netpol_prometheus)"
  if [ "$n" = 1 ] && [ "$peers" = gateway,prometheus ] && [ "$prom" = "$3" ] &&
    ! grep -q '^violation=NetworkPolicy' "$2"; then
    pass "$1: model NetworkPolicy admits exactly the gateway pods and Prometheus $prom"
  else
    fail "$1: model NetworkPolicy: $n policies admitting '$peers', Prometheus '$prom' (want 1, gateway,prometheus, $3)"
    grep '^violation=NetworkPolicy' "$2" | sed 's/^violation=/    /' || true
  fi
}

# --- lint, render, validate, facts per scenario --------------------------
shopt -s nullglob
scenarios=("$chart"/ci/*-values.yaml)
if [ "${#scenarios[@]}" -lt 4 ]; then fail "expected >= 4 ci/*-values.yaml, found ${#scenarios[@]}"; fi
for values in "${scenarios[@]}"; do
  name="$(basename "$values" -values.yaml)"
  if helm lint --strict "$chart" -f "$values" >"$tmp/$name.lint" 2>&1; then
    pass "$name: helm lint --strict"
  else
    fail "$name: helm lint --strict"; cat "$tmp/$name.lint"
  fi
  if ! render -f "$values" >"$tmp/$name.yaml" 2>"$tmp/$name.err"; then
    fail "$name: helm template"; cat "$tmp/$name.err"; continue
  fi
  if node "$here/validate.mjs" "$tmp/$name.yaml"; then
    pass "$name: every document matches its schema"
  else
    fail "$name: schema validation"
  fi
  facts "$tmp/$name.yaml" >"$tmp/$name.facts"
  if grep -q '^violation=' "$tmp/$name.facts"; then
    fail "$name: workload rules:"; grep '^violation=' "$tmp/$name.facts" | sed 's/^violation=/    /'
  else
    pass "$name: probes, resources, securityContext, shutdown grace, scrape annotations"
  fi

  # The gateway's upstream must be the object that actually serves the model.
  url="$(fact "$tmp/$name.facts" gateway_model_url)"
  if [ "$(count "$tmp/$name.facts" InferenceService)" = 1 ]; then
    if [ "$(count "$tmp/$name.facts" Service)" != 1 ] || [ "$(count "$tmp/$name.facts" Deployment)" != 1 ]; then
      fail "$name: KServe mode must not render the plain model Deployment/Service"
    fi
    isvc="$(fact "$tmp/$name.facts" model_isvc_name)"
    ns="$(fact "$tmp/$name.facts" model_isvc_namespace)"
    want="http://$isvc-predictor.$ns.svc.cluster.local:80"
  elif [ "$(fact "$tmp/$name.facts" gateway_upstream_protocol)" = grpc ]; then
    svc="$(fact "$tmp/$name.facts" model_service_name)"
    port="$(fact "$tmp/$name.facts" model_service_grpc_port)"
    want="grpc://$svc:$port"
  else
    svc="$(fact "$tmp/$name.facts" model_service_name)"
    port="$(fact "$tmp/$name.facts" model_service_http_port)"
    want="http://$svc:$port"
  fi
  if [ -n "$url" ] && [ "$url" = "$want" ]; then
    pass "$name: gateway --model-url is $url (--upstream-protocol=$(fact "$tmp/$name.facts" gateway_upstream_protocol))"
  else
    fail "$name: gateway --model-url is '$url', want '$want'"
  fi

  # The model serves V2 gRPC on 8081; the plain Service routes its grpc port
  # there, marked appProtocol grpc (KServe's predictor has one HTTP port).
  grpc_arg="$(fact "$tmp/$name.facts" model_grpc_port_arg)"
  if [ "$(count "$tmp/$name.facts" InferenceService)" = 1 ]; then
    if [ "$grpc_arg" = 8081 ]; then pass "$name: model --grpc-port=8081 (KServe: no gRPC Service port)"
    else fail "$name: model --grpc-port is '$grpc_arg', want 8081"; fi
  else
    got="$grpc_arg $(fact "$tmp/$name.facts" model_container_grpc_port) $(fact "$tmp/$name.facts" model_service_grpc_app_protocol)"
    if [ "$got" = "8081 8081 grpc" ]; then
      pass "$name: model --grpc-port=8081, container port grpc 8081, Service port $(fact "$tmp/$name.facts" model_service_grpc_port) appProtocol grpc"
    else
      fail "$name: model --grpc-port / container port grpc / Service appProtocol are '$got', want '8081 8081 grpc'"
    fi
  fi

  # Engines follow the CPU limit (scenarios that set one on purpose).
  case "$name" in
    minikube-small | production)
      engines="$(fact "$tmp/$name.facts" model_engines)"
      cpu="$(fact "$tmp/$name.facts" model_cpu_limit)"
      if [ -n "$cpu" ] && [ "$engines" = "$(cpu_ceil "$cpu")" ]; then
        pass "$name: --engines=$engines from limits.cpu $cpu"
      else
        fail "$name: --engines='$engines' but limits.cpu is '$cpu'"
      fi
      ;;
  esac
  if [ "$name" = minikube-small ] && [ "$(fact "$tmp/$name.facts" model_engines)" != 1 ]; then
    fail "$name: expected exactly 1 engine"
  fi

  # Optional objects: expected counts of NetworkPolicy ServiceMonitor HPA PrometheusRule.
  case "$name" in
    default | minikube-small) want_counts="0 0 0 0" ;;
    production) want_counts="1 1 2 1" ;;
    kserve | grpc) want_counts="1 0 0 0" ;;
    *) want_counts="" ;;
  esac
  if [ -n "$want_counts" ]; then
    got_counts="$(count "$tmp/$name.facts" NetworkPolicy) $(count "$tmp/$name.facts" ServiceMonitor)"
    got_counts="$got_counts $(count "$tmp/$name.facts" HorizontalPodAutoscaler) $(count "$tmp/$name.facts" PrometheusRule)"
    if [ "$got_counts" = "$want_counts" ]; then
      pass "$name: NetworkPolicy/ServiceMonitor/HPA/PrometheusRule counts $got_counts"
    else
      fail "$name: NetworkPolicy/ServiceMonitor/HPA/PrometheusRule counts '$got_counts', want '$want_counts'"
    fi
  fi

  # The model's NetworkPolicy admits exactly the gateway and Prometheus.
  if [ "$(count "$tmp/$name.facts" NetworkPolicy)" != 0 ]; then
    check_model_netpol "$name" "$tmp/$name.facts" "$default_prometheus"
  fi
done

# --- engine derivation edge cases ---------------------------------------
check_engines() { # $1 = expected, rest = helm --set arguments
  local want="$1" got
  shift
  render "$@" >"$tmp/engines.yaml"
  got="$(facts "$tmp/engines.yaml" | grep '^model_engines=' | cut -d= -f2)"
  if [ "$got" = "$want" ]; then pass "engines $* -> $got"; else fail "engines $* -> '$got', want $want"; fi
}
check_engines 2 --set-string modelServer.resources.limits.cpu=1500m
check_engines 1 --set-string modelServer.resources.limits.cpu=500m
check_engines 3 --set modelServer.resources.limits.cpu=2.5
check_engines 5 --set modelServer.engines=5

# --- toggles: each optional object appears only when enabled -------------
for toggle in networkPolicy.enabled:NetworkPolicy metrics.serviceMonitor.enabled:ServiceMonitor \
  gateway.autoscaling.enabled:HorizontalPodAutoscaler metrics.prometheusRule.enabled:PrometheusRule; do
  key="${toggle%%:*}" kind="${toggle##*:}"
  render --set "$key=true" >"$tmp/on.yaml"
  render --set "$key=false" >"$tmp/off.yaml"
  on="$(facts "$tmp/on.yaml" | grep -c "^count_$kind=" || true)"
  off="$(facts "$tmp/off.yaml" | grep -c "^count_$kind=" || true)"
  if [ "$on" != 1 ] || [ "$off" != 0 ]; then
    fail "$key=true gives $on $kind, false gives $off"
  elif ! node "$here/validate.mjs" "$tmp/on.yaml" >/dev/null; then
    fail "$key=true renders invalid objects"
  else
    pass "$key toggles $kind"
  fi
done

# --- NetworkPolicy with other Prometheus labels: they replace the defaults -
custom_prometheus='{"namespaceSelector":{"matchLabels":{"team":"observability"}},"podSelector":{"matchLabels":{"app":"prom","role":"server"}}}'
for mode in plain kserve; do
  render --set networkPolicy.enabled=true --set kserve.enabled="$([ $mode = kserve ] && echo true || echo false)" \
    --set-json "networkPolicy.prometheus=$custom_prometheus" >"$tmp/netpol.yaml"
  facts "$tmp/netpol.yaml" >"$tmp/netpol.facts"
  check_model_netpol "netpol ($mode, custom Prometheus labels)" "$tmp/netpol.facts" "$custom_prometheus"
done
# An empty selector falls back to the default, never to "every namespace/pod".
render --set networkPolicy.enabled=true \
  --set-json 'networkPolicy.prometheus={"namespaceSelector":{"matchLabels":{}},"podSelector":{"matchExpressions":[]}}' >"$tmp/netpol.yaml"
facts "$tmp/netpol.yaml" >"$tmp/netpol.facts"
check_model_netpol "netpol (empty Prometheus selectors)" "$tmp/netpol.facts" "$default_prometheus"

# --- gateway.upstreamProtocol: flag and model URL follow it ---------------
for protocol in v2-json v2-binary grpc; do
  for mode in plain netpol; do
    extra=()
    [ "$mode" = netpol ] && extra=(--set networkPolicy.enabled=true)
    render --set gateway.upstreamProtocol="$protocol" --set modelServer.service.httpPort=18080 \
      --set modelServer.service.grpcPort=18081 "${extra[@]}" >"$tmp/proto.yaml"
    facts "$tmp/proto.yaml" >"$tmp/proto.facts"
    svc="$(fact "$tmp/proto.facts" model_service_name)"
    case "$protocol" in
      grpc) want="grpc://$svc:18081" ;;
      *) want="http://$svc:18080" ;;
    esac
    got_protocol="$(fact "$tmp/proto.facts" gateway_upstream_protocol)"
    got_url="$(fact "$tmp/proto.facts" gateway_model_url)"
    if [ "$got_protocol" = "$protocol" ] && [ "$got_url" = "$want" ] &&
      ! grep -q '^violation=' "$tmp/proto.facts" && node "$here/validate.mjs" "$tmp/proto.yaml" >/dev/null; then
      pass "gateway.upstreamProtocol=$protocol ($mode): --upstream-protocol=$protocol --model-url=$got_url"
    else
      fail "gateway.upstreamProtocol=$protocol ($mode): --upstream-protocol='$got_protocol' --model-url='$got_url', want $protocol $want"
      grep '^violation=' "$tmp/proto.facts" | sed 's/^violation=/    /' || true
    fi
  done
done
# The default is the reference's V2 REST with JSON.
render >"$tmp/proto.yaml"
if [ "$(facts "$tmp/proto.yaml" | grep '^gateway_upstream_protocol=' | cut -d= -f2)" = v2-json ]; then
  pass "gateway.upstreamProtocol defaults to v2-json"
else
  fail "gateway.upstreamProtocol does not default to v2-json"
fi
# KServe's predictor has one HTTP port: grpc there is refused, clearly.
if render --set kserve.enabled=true --set gateway.upstreamProtocol=grpc >/dev/null 2>"$tmp/kgrpc.err"; then
  fail "kserve.enabled with gateway.upstreamProtocol=grpc was accepted"
elif grep -q 'upstreamProtocol=grpc needs the plain model Service' "$tmp/kgrpc.err"; then
  pass "kserve.enabled with gateway.upstreamProtocol=grpc is refused"
else
  fail "kserve.enabled with gateway.upstreamProtocol=grpc failed, but not with the chart's message:"; cat "$tmp/kgrpc.err"
fi
# The manifest check itself: a NetworkPolicy without the gRPC port must be
# reported (so the passes above cannot come from a check that admits all).
render -f "$chart/ci/grpc-values.yaml" |
  awk '/^kind: NetworkPolicy/ {np = 1} /^---/ {np = 0}
       np && /- port: 8081/ {skip = 2} skip > 0 {skip--; next} {print}' >"$tmp/nogrpc.yaml"
if facts "$tmp/nogrpc.yaml" | grep -q '^violation=.*does not admit the gateway on port 8081'; then
  pass "self-test: a NetworkPolicy without the gRPC port is reported"
else
  fail "self-test: a NetworkPolicy without the gRPC port was not reported"
fi

# --- API keys: an existing Secret becomes the gateway's keys file --------
render >"$tmp/nokeys.yaml"
if [ -z "$(facts "$tmp/nokeys.yaml" | grep '^gateway_api_keys_file=' | cut -d= -f2-)" ] &&
  ! grep -q 'api-keys' "$tmp/nokeys.yaml"; then
  pass "no gateway.apiKeys: no --api-keys-file, no keys volume"
else
  fail "no gateway.apiKeys, yet the gateway reads a keys file"
fi
render --set gateway.apiKeys.existingSecret=ocr-api-keys --set gateway.apiKeys.secretKey=keys.txt >"$tmp/keys.yaml"
facts "$tmp/keys.yaml" >"$tmp/keys.facts"
if [ "$(fact "$tmp/keys.facts" gateway_api_keys_secret)" = ocr-api-keys/keys.txt ] &&
  ! grep -q '^violation=' "$tmp/keys.facts" && node "$here/validate.mjs" "$tmp/keys.yaml" >/dev/null &&
  grep -q 'X-API-Key: \$key' "$tmp/keys.yaml"; then
  pass "gateway.apiKeys.existingSecret: --api-keys-file=$(fact "$tmp/keys.facts" gateway_api_keys_file) from Secret ocr-api-keys/keys.txt; helm test sends a key"
else
  fail "gateway.apiKeys.existingSecret is not mounted as --api-keys-file:"
  grep -E '^(gateway_api_keys|violation)' "$tmp/keys.facts" | sed 's/^/    /' || true
fi

# --- jobs: the job folder on a volume, limits, webhooks, persistence -----
# Every scenario: --job-dir on a writable emptyDir (the root filesystem is
# read-only) and --job-page-concurrency = engines x the model pods there are
# at least (replicaCount, the autoscaler's or KServe's minReplicas).
for values in "${scenarios[@]}"; do
  name="$(basename "$values" -values.yaml)"
  f="$tmp/$name.facts"
  engines="$(fact "$f" model_engines)"
  case "$name" in
    production) pods=3 ;;  # modelServer.autoscaling.minReplicas
    kserve) pods="$(awk '/^kserve:/ {k = 1} k && /minReplicas:/ {print $2; exit}' "$values")" ;;
    *) pods=1 ;;
  esac
  got="$(fact "$f" gateway_job_dir) $(fact "$f" gateway_job_volume) $(fact "$f" gateway_job_page_concurrency)"
  if [ "$got" = "/var/lib/ocr-gateway/jobs emptyDir $((engines * pods))" ]; then
    pass "$name: --job-dir on an emptyDir, --job-page-concurrency=$((engines * pods)) ($engines engines x $pods model pods)"
  else
    fail "$name: jobs are '$got', want '/var/lib/ocr-gateway/jobs emptyDir $((engines * pods))'"
  fi
done
render >"$tmp/jobs.yaml"
facts "$tmp/jobs.yaml" >"$tmp/jobs.facts"
got=""
for var in JOB_RETENTION_SECONDS MAX_JOB_BYTES MAX_JOB_PAGES JOB_PAGE_TIMEOUT_SECONDS CALLBACK_ALLOW; do
  got="$got $(fact "$tmp/jobs.facts" "gateway_config_GATEWAY_$var")"
done
if [ "$got" = " 86400 67108864 10000 120 " ] && [ -z "$(fact "$tmp/jobs.facts" gateway_webhook_secret)" ] &&
  [ "$(count "$tmp/jobs.facts" PersistentVolumeClaim)" = 0 ] && [ "$(fact "$tmp/jobs.facts" gateway_strategy)" = RollingUpdate ]; then
  pass "jobs by default: retention, limits and page timeout in the ConfigMap, no webhook secret, no claim"
else
  fail "jobs by default: ConfigMap '$got', webhook secret '$(fact "$tmp/jobs.facts" gateway_webhook_secret)', claims $(count "$tmp/jobs.facts" PersistentVolumeClaim)"
fi
render --set gateway.jobs.pageConcurrency=5 --set gateway.jobs.retentionSeconds=3600 \
  --set gateway.jobs.maxJobPages=200 --set gateway.jobs.callbackAllow='http://hooks.ocr.svc:8080' \
  --set gateway.jobs.webhookSecret.existingSecret=ocr-hooks --set gateway.jobs.webhookSecret.secretKey=whsec \
  --set gateway.jobs.emptyDirSizeLimit=5Gi >"$tmp/jobs.yaml"
facts "$tmp/jobs.yaml" >"$tmp/jobs.facts"
got="$(fact "$tmp/jobs.facts" gateway_job_page_concurrency) $(fact "$tmp/jobs.facts" gateway_config_GATEWAY_JOB_RETENTION_SECONDS)"
got="$got $(fact "$tmp/jobs.facts" gateway_config_GATEWAY_MAX_JOB_PAGES) $(fact "$tmp/jobs.facts" gateway_config_GATEWAY_CALLBACK_ALLOW)"
got="$got $(fact "$tmp/jobs.facts" gateway_webhook_secret) $(fact "$tmp/jobs.facts" gateway_job_volume)"
if [ "$got" = "5 3600 200 http://hooks.ocr.svc:8080 ocr-hooks/whsec emptyDir:5Gi" ] &&
  ! grep -q '^violation=' "$tmp/jobs.facts" && node "$here/validate.mjs" "$tmp/jobs.yaml" >/dev/null; then
  pass "gateway.jobs values: concurrency, retention, pages, callbackAllow, webhook secret from Secret ocr-hooks/whsec, emptyDir sizeLimit"
else
  fail "gateway.jobs values give '$got'"; grep '^violation=' "$tmp/jobs.facts" | sed 's/^violation=/    /' || true
fi
# Persistence: a claim (made, or an existing one), one pod, Recreate.
render --set gateway.jobs.persistence.enabled=true --set gateway.jobs.persistence.size=20Gi \
  --set gateway.jobs.persistence.storageClassName=fast >"$tmp/pvc.yaml"
facts "$tmp/pvc.yaml" >"$tmp/pvc.facts"
claim="$(fact "$tmp/pvc.facts" gateway_job_volume)"
if [ "$claim" = "pvc:$release-ocr-services-gateway-jobs" ] &&
  [ "$(fact "$tmp/pvc.facts" "pvc_${claim#pvc:}")" = "ReadWriteOnce,20Gi,fast" ] &&
  [ "$(fact "$tmp/pvc.facts" gateway_strategy)" = Recreate ] &&
  ! grep -q '^violation=' "$tmp/pvc.facts" && node "$here/validate.mjs" "$tmp/pvc.yaml" >/dev/null; then
  pass "gateway.jobs.persistence: --job-dir on claim ${claim#pvc:} (ReadWriteOnce, 20Gi, class fast), strategy Recreate"
else
  fail "gateway.jobs.persistence: volume '$claim', claim '$(fact "$tmp/pvc.facts" "pvc_${claim#pvc:}")', strategy '$(fact "$tmp/pvc.facts" gateway_strategy)'"
fi
render --set gateway.jobs.persistence.enabled=true --set gateway.jobs.persistence.existingClaim=my-jobs >"$tmp/pvc.yaml"
facts "$tmp/pvc.yaml" >"$tmp/pvc.facts"
if [ "$(fact "$tmp/pvc.facts" gateway_job_volume)" = pvc:my-jobs ] && [ "$(count "$tmp/pvc.facts" PersistentVolumeClaim)" = 0 ]; then
  pass "gateway.jobs.persistence.existingClaim: --job-dir on claim my-jobs, none created"
else
  fail "gateway.jobs.persistence.existingClaim: volume '$(fact "$tmp/pvc.facts" gateway_job_volume)', $(count "$tmp/pvc.facts" PersistentVolumeClaim) claims made"
fi
for extra in "gateway.replicaCount=2" "gateway.autoscaling.enabled=true"; do
  if render --set gateway.jobs.persistence.enabled=true --set "$extra" >/dev/null 2>"$tmp/pvc.err"; then
    fail "gateway.jobs.persistence with $extra was accepted"
  elif grep -q 'persistence.enabled needs one gateway pod' "$tmp/pvc.err"; then
    pass "gateway.jobs.persistence with $extra is refused"
  else
    fail "gateway.jobs.persistence with $extra failed, but not with the chart's message:"; cat "$tmp/pvc.err"
  fi
done
# The check itself: a --job-dir on the read-only root filesystem is reported.
render | sed 's|--job-dir=/var/lib/ocr-gateway/jobs|--job-dir=/srv/jobs|' >"$tmp/rootjobs.yaml"
if facts "$tmp/rootjobs.yaml" | grep -q '^violation=.*--job-dir /srv/jobs is not a writable volume mount'; then
  pass "self-test: a --job-dir outside the volumes is reported"
else
  fail "self-test: a --job-dir outside the volumes was not reported"
fi

# --- the chart says what the binaries do ---------------------------------
render --set-string modelServer.config.languages='eng\,deu' \
  --set modelServer.secretEnv.OCR_MODEL_ONLY=m --set gateway.secretEnv.GATEWAY_ONLY=g \
  --set gateway.existingSecretEnv=gw-extra | facts /dev/stdin >"$tmp/env.facts"
got="$(fact "$tmp/env.facts" model_config_OCR_LANGUAGES)"
if [ "$got" = "eng,deu" ]; then pass "languages eng,deu reach OCR_LANGUAGES as the list the binary reads"
else fail "languages eng,deu rendered OCR_LANGUAGES='$got'"; fi
body="$(fact "$tmp/env.facts" model_config_OCR_MAX_BODY_BYTES)"
grpc="$(fact "$tmp/env.facts" model_config_OCR_GRPC_MAX_MESSAGE_BYTES)"
if [ -n "$body" ] && [ "$body" = "$grpc" ]; then pass "the gRPC message limit defaults to the REST body limit ($body)"
else fail "OCR_GRPC_MAX_MESSAGE_BYTES=$grpc differs from OCR_MAX_BODY_BYTES=$body by default"; fi
grpc="$(render --set modelServer.config.grpcMaxMessageBytes=2000000 | facts /dev/stdin | grep -m1 '^model_config_OCR_GRPC_MAX_MESSAGE_BYTES=' | cut -d= -f2)"
if [ "$grpc" = "2000000" ]; then pass "an explicit gRPC message limit is kept"
else fail "grpcMaxMessageBytes=2000000 rendered $grpc"; fi
model_env="$(fact "$tmp/env.facts" model_env)"
gateway_env="$(fact "$tmp/env.facts" gateway_env)"
if [[ ",$model_env," == *",OCR_MODEL_ONLY,"* && ",$model_env," != *",GATEWAY_ONLY,"* &&
      ",$model_env," != *",secret:gw-extra,"* && ",$gateway_env," == *",GATEWAY_ONLY,"* &&
      ",$gateway_env," == *",secret:gw-extra,"* && ",$gateway_env," != *",OCR_MODEL_ONLY,"* ]]; then
  pass "each component's secretEnv reaches that component only"
else
  fail "secretEnv crosses components: model has [$model_env], gateway has [$gateway_env]"
fi
# Every variable the chart gives a container is one its binary reads.
check_env_known() { # $1 = component key in the facts, $2 = binary, $3 = prefix
  local known unknown="" name
  known="$("$2" --help 2>&1 | grep -o 'env: [A-Z_]*' | cut -d' ' -f2)"
  for name in $(fact "$tmp/env.facts" "$1_env" | tr ',' ' '); do
    case "$name" in "$3"*) ;; *) continue ;; esac
    [[ "$name" == OCR_MODEL_ONLY || "$name" == GATEWAY_ONLY ]] && continue
    grep -qx "$name" <<<"$known" || unknown="$unknown $name"
  done
  if [ -z "$unknown" ]; then pass "every $3* variable of the $1 is one $(basename "$2") reads"
  else fail "the chart sets$unknown, which $(basename "$2") does not read"; fi
}
if [ -x "${OCR_MODEL_SERVER_BIN:-}" ] && [ -x "${OCR_GATEWAY_BIN:-}" ]; then
  check_env_known model "$OCR_MODEL_SERVER_BIN" OCR_
  check_env_known gateway "$OCR_GATEWAY_BIN" GATEWAY_
else
  echo "NOTICE OCR_MODEL_SERVER_BIN/OCR_GATEWAY_BIN not set: chart variables not checked against the binaries"
fi

# --- bad values are refused by values.schema.json ------------------------
expect_refused() { # $1 = description, $2 = values file content
  printf '%s\n' "$2" >"$tmp/bad.yaml"
  if render -f "$tmp/bad.yaml" >/dev/null 2>"$tmp/bad.err"; then
    fail "schema accepted $1"
  elif grep -q "don't meet the specifications of the schema" "$tmp/bad.err"; then
    pass "schema refuses $1: $(grep -m1 -E '^- ' "$tmp/bad.err" || true)"
  else
    fail "$1 failed, but not with a schema error:"; cat "$tmp/bad.err"
  fi
}
expect_refused "an unknown top-level key" 'replicaCount: 2'
expect_refused "a typo'd nested key" $'modelServer:\n  replicaCont: 2'
expect_refused "a wrong type" $'modelServer:\n  replicaCount: "two"'
expect_refused "an invalid enum" $'gateway:\n  service:\n    type: Foo'
expect_refused "an unknown gateway.upstreamProtocol" $'gateway:\n  upstreamProtocol: http2'
expect_refused "a gRPC message limit under 1k" $'modelServer:\n  config:\n    grpcMaxMessageBytes: 100'
expect_refused "an empty queue (the server refuses --max-queue 0)" $'modelServer:\n  config:\n    maxQueue: 0'
expect_refused "a space-separated language list" $'modelServer:\n  config:\n    languages: eng deu'
expect_refused "a secretEnv for both components (each has its own)" $'secretEnv:\n  OCR_X: "1"'
expect_refused "a bad CPU quantity" $'modelServer:\n  resources:\n    limits:\n      cpu: two'
expect_refused "a typo'd gateway.apiKeys key" $'gateway:\n  apiKeys:\n    existingSecert: keys'
expect_refused "an invalid Secret name in gateway.apiKeys" $'gateway:\n  apiKeys:\n    existingSecret: Not_A_Name'
expect_refused "a typo'd gateway.jobs key" $'gateway:\n  jobs:\n    maxPages: 10'
expect_refused "a negative gateway.jobs.pageConcurrency" $'gateway:\n  jobs:\n    pageConcurrency: -1'
expect_refused "an unknown jobs claim access mode" $'gateway:\n  jobs:\n    persistence:\n      accessMode: ReadMostly'
expect_refused "a bad jobs claim size" $'gateway:\n  jobs:\n    persistence:\n      size: lots'
if render --set modelServer.terminationGracePeriodSeconds=20 >/dev/null 2>"$tmp/tgp.err" ||
  ! grep -q "must exceed" "$tmp/tgp.err"; then
  fail "terminationGracePeriodSeconds <= shutdown grace + preStop was accepted"
else
  pass "terminationGracePeriodSeconds <= shutdown grace + preStop is refused"
fi

# --- synced copies of the monitoring files -------------------------------
check_copy() { # $1 = original under the repo, $2 = copy under the chart
  if [ ! -f "$root/$1" ]; then
    echo "NOTICE $1 does not exist yet: chart copy $2 not compared"
  elif cmp -s "$root/$1" "$chart/$2"; then
    pass "ocr-services/$2 is identical to $1"
  else
    fail "ocr-services/$2 differs from $1 (copy it: cp $1 ocr-services/$2)"
  fi
}
check_copy monitoring/dashboards/ocr-services.json dashboards/ocr-services.json
check_copy monitoring/prometheus/rules/ocr-services.rules.yaml rules/ocr-services.rules.yaml
if command -v promtool >/dev/null 2>&1; then
  if promtool check rules "$chart/rules/ocr-services.rules.yaml" >"$tmp/promtool.out" 2>&1; then
    pass "promtool check rules on the chart's rules copy"
  else
    fail "promtool check rules:"; cat "$tmp/promtool.out"
  fi
else
  echo "NOTICE promtool not installed: rules file not checked by promtool"
fi

# --- the packaged chart (.helmignore) still carries what templates read ---
if helm package "$chart" --destination "$tmp/pkg" >/dev/null &&
  helm template "$release" "$tmp"/pkg/ocr-services-*.tgz --namespace "$namespace" \
    -f "$chart/ci/production-values.yaml" >"$tmp/pkg.yaml" &&
  cmp -s "$tmp/pkg.yaml" "$tmp/production.yaml"; then
  pass "packaged chart renders the same as the source chart"
else
  fail "packaged chart renders differently (check .helmignore)"
fi

if [ "$failures" -gt 0 ]; then
  echo "chart_test: $failures check(s) failed"
  exit 1
fi
echo "chart_test: all checks passed"
