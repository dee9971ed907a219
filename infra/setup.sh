#!/usr/bin/env bash
# Sets up a local Kubernetes for the OCR services on a laptop:
#   1. a minikube cluster with the Docker driver (created, or reused when it runs)
#   2. ArgoCD, Prometheus and Grafana from their public Helm charts, sized by
#      infra/values/{argocd,prometheus,grafana}.yaml
#   3. the Grafana dashboard (monitoring/dashboards/ocr-services.json)
#   4. the locally built images (./build_images.sh) loaded into minikube
#   5. the OCR services: the ArgoCD project + dev Application from argo/
#      (GitOps), or with --no-argo the chart ocr-services/ installed directly
#   6. how to reach each UI
#
# Idempotent: every step is "make it so" (minikube start only when the
# profile is not running, helm upgrade --install, kubectl apply), so running
# it again changes nothing.
#
# --dry-run prints every command it would run and runs none of them, not even
# the probes (minikube status, docker image inspect): it plans as if nothing
# existed yet, so its output is the same on every machine.
#
# Needs: minikube, docker, kubectl, helm (kubectl/helm may come from
# scripts/install-helm.sh, which puts them in .cache/tools/), and network
# access to the chart repositories and container registries below.
set -euo pipefail

# --- Pinned versions (change here, nowhere else) ---------------------------
readonly ARGOCD_CHART_VERSION="7.7.11"      # Argo CD v2.13
readonly PROMETHEUS_CHART_VERSION="25.27.0" # Prometheus v2.54
readonly GRAFANA_CHART_VERSION="8.5.2"      # Grafana 11.2
readonly ARGOCD_CHART_REPO="https://argoproj.github.io/argo-helm"
readonly PROMETHEUS_CHART_REPO="https://prometheus-community.github.io/helm-charts"
readonly GRAFANA_CHART_REPO="https://grafana.github.io/helm-charts"
readonly KUBERNETES_VERSION="${OCR_KUBERNETES_VERSION:-v1.30.0}"
readonly IMAGE_TAG="${OCR_IMAGE_TAG:-0.1.0}"
readonly IMAGES=(ocr-model-server ocr-gateway)

# Namespaces and names the printed instructions refer to.
readonly ARGOCD_NS="argocd"
readonly MONITORING_NS="monitoring"
readonly APP_NS="ocr-dev"             # argo/application.yaml's destination
readonly RELEASE="ocr-services"       # the Helm release name (as in argo/)
readonly DASHBOARD_FILE="monitoring/dashboards/ocr-services.json"
readonly DASHBOARD_CONFIGMAP="ocr-services-dashboard"

usage() {
  cat <<EOF
Usage: infra/setup.sh [options]

Creates (or reuses) a minikube cluster and installs ArgoCD, Prometheus,
Grafana, the OCR dashboard and the OCR services.

Options:
  --dry-run         print every command, run none (no probes either)
  --profile NAME    minikube profile            (env OCR_MINIKUBE_PROFILE, default ocr-services)
  --cpus N          CPUs for a new cluster      (env OCR_MINIKUBE_CPUS, default 4)
  --memory SIZE     memory for a new cluster, in MiB or with a unit such as 8g
                                                (env OCR_MINIKUBE_MEMORY, default 8192)
  --no-argo         install the chart ocr-services/ with helm instead of
                    applying the ArgoCD project and Application from argo/
  --no-images       do not load the local images into minikube
  -h, --help        this text

CPUs and memory apply when the cluster is created; minikube keeps an existing
profile's size (delete it with 'minikube delete -p NAME' to resize).
EOF
}

# --- Options ---------------------------------------------------------------
dry_run=false
use_argo=true
load_images=true
profile="${OCR_MINIKUBE_PROFILE:-ocr-services}"
cpus="${OCR_MINIKUBE_CPUS:-4}"
memory="${OCR_MINIKUBE_MEMORY:-8192}"

need_value() {
  if [ "$#" -lt 2 ] || [ -z "$2" ]; then
    echo "setup: $1 needs a value (see --help)" >&2
    exit 2
  fi
}
while [ "$#" -gt 0 ]; do
  case "$1" in
    --dry-run) dry_run=true ;;
    --no-argo) use_argo=false ;;
    --no-images) load_images=false ;;
    --profile) need_value "$@"; profile="$2"; shift ;;
    --profile=*) profile="${1#*=}" ;;
    --cpus) need_value "$@"; cpus="$2"; shift ;;
    --cpus=*) cpus="${1#*=}" ;;
    --memory) need_value "$@"; memory="$2"; shift ;;
    --memory=*) memory="${1#*=}" ;;
    -h | --help) usage; exit 0 ;;
    *) echo "setup: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done
if ! [[ "$cpus" =~ ^[1-9][0-9]*$ ]]; then
  echo "setup: --cpus must be a positive integer, got '$cpus'" >&2
  exit 2
fi
if ! [[ "$memory" =~ ^[1-9][0-9]*([mMgG][bB]?)?$ ]]; then
  echo "setup: --memory must be MiB or a size such as 8g, got '$memory'" >&2
  exit 2
fi
if ! [[ "$profile" =~ ^[a-zA-Z0-9][a-zA-Z0-9._-]*$ ]]; then
  echo "setup: --profile '$profile' is not a valid minikube profile name" >&2
  exit 2
fi

# Relative paths from here on: the printed plan reads the same wherever the
# repository is checked out.
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

# --- Running commands ------------------------------------------------------
# run CMD ARGS...: prints the command (shell-quoted), then runs it unless
# --dry-run.
run() {
  local quoted
  printf -v quoted '%q ' "$@"
  echo "+ ${quoted% }"
  if [ "$dry_run" = false ]; then "$@"; fi
}
# run_pipeline 'A | B': for the few steps that need a pipe. The string is
# printed as is and run by bash with pipefail.
run_pipeline() {
  echo "+ $1"
  if [ "$dry_run" = false ]; then bash -o pipefail -c "$1"; fi
}
step() { printf '\n== %s\n' "$*"; }
note() { echo "# $*"; }

# --- Tools -------------------------------------------------------------------
check_tools() {
  # helm and kubectl from scripts/install-helm.sh are fine too.
  if [ -d "$repo_root/.cache/tools" ]; then
    PATH="$PATH:$repo_root/.cache/tools"
  fi
  local missing=() tool
  for tool in minikube docker kubectl helm; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    echo "setup: missing tools: ${missing[*]}" >&2
    echo "  minikube: https://minikube.sigs.k8s.io/docs/start/" >&2
    echo "  docker:   your distribution's package (Debian: docker.io); the daemon must run" >&2
    echo "  kubectl, helm: scripts/install-helm.sh puts both in .cache/tools/" >&2
    exit 1
  fi
  if ! docker info >/dev/null 2>&1; then
    echo "setup: docker is installed but its daemon does not answer (docker info failed)" >&2
    exit 1
  fi
  if [ "$load_images" = true ]; then
    local image
    for image in "${IMAGES[@]}"; do
      if ! docker image inspect "$image:$IMAGE_TAG" >/dev/null 2>&1; then
        echo "setup: image $image:$IMAGE_TAG is not built; run ./build_images.sh" >&2
        echo "  (or pass --no-images if the cluster can pull it from a registry)" >&2
        exit 1
      fi
    done
  fi
}

# --- Steps -------------------------------------------------------------------
start_cluster() {
  step "minikube cluster '$profile' (docker driver, $cpus CPUs, memory $memory)"
  if [ "$dry_run" = false ] &&
    minikube status -p "$profile" --format '{{.Host}} {{.Kubelet}} {{.APIServer}}' 2>/dev/null |
    grep -qx 'Running Running Running'; then
    note "profile '$profile' is running: reusing it"
  else
    run minikube start -p "$profile" --driver=docker --cpus="$cpus" --memory="$memory" \
      --kubernetes-version="$KUBERNETES_VERSION" --addons=metrics-server
  fi
  # kubectl and helm below talk to this cluster.
  run kubectl config use-context "$profile"
}

# helm_install RELEASE CHART REPO VERSION NAMESPACE VALUES
helm_install() {
  run helm upgrade --install "$1" "$2" --repo "$3" --version "$4" \
    --namespace "$5" --create-namespace --values "$6" --wait --timeout 10m
}

install_platform() {
  step "ArgoCD $ARGOCD_CHART_VERSION (namespace $ARGOCD_NS)"
  helm_install argocd argo-cd "$ARGOCD_CHART_REPO" "$ARGOCD_CHART_VERSION" \
    "$ARGOCD_NS" infra/values/argocd.yaml
  step "Prometheus $PROMETHEUS_CHART_VERSION (namespace $MONITORING_NS)"
  helm_install prometheus prometheus "$PROMETHEUS_CHART_REPO" "$PROMETHEUS_CHART_VERSION" \
    "$MONITORING_NS" infra/values/prometheus.yaml
  step "Grafana $GRAFANA_CHART_VERSION (namespace $MONITORING_NS)"
  helm_install grafana grafana "$GRAFANA_CHART_REPO" "$GRAFANA_CHART_VERSION" \
    "$MONITORING_NS" infra/values/grafana.yaml
}

load_dashboard() {
  step "Grafana dashboard from $DASHBOARD_FILE"
  # The chart ships the same dashboard as a ConfigMap (grafanaDashboard.enabled);
  # this copy makes it visible before ArgoCD's first sync, and on clusters that
  # do not run the chart. Both carry the file under the same key and uid, so
  # Grafana's sidecar shows one dashboard. Server-side apply: no
  # last-applied annotation, whose 256 KiB limit a dashboard can exceed.
  if [ "$dry_run" = false ] && [ ! -f "$DASHBOARD_FILE" ]; then
    note "$DASHBOARD_FILE not found: skipped (the chart's ConfigMap still provides it)"
    return 0
  fi
  run_pipeline "kubectl create configmap $DASHBOARD_CONFIGMAP --namespace $MONITORING_NS --from-file=$DASHBOARD_FILE --dry-run=client -o yaml | kubectl label --local -f - grafana_dashboard=1 -o yaml | kubectl apply --server-side --field-manager=ocr-setup -f -"
}

load_images_into_cluster() {
  step "local images (tag $IMAGE_TAG) into minikube"
  local image
  for image in "${IMAGES[@]}"; do
    run minikube -p "$profile" image load "$image:$IMAGE_TAG"
  done
}

deploy_services() {
  if [ "$use_argo" = true ]; then
    step "OCR services through ArgoCD (argo/project.yaml, argo/application.yaml)"
    # Not the whole folder: applicationset.yaml generates the same dev
    # Application (plus staging and prod), see argo/README.md.
    run kubectl apply --namespace "$ARGOCD_NS" -f argo/project.yaml -f argo/application.yaml
    note "ArgoCD syncs ocr-services/ from the repoURL in argo/application.yaml:"
    note "point it at your fork first (argo/README.md), or use --no-argo."
  else
    step "OCR services with helm (chart ocr-services/, ci/minikube-small-values.yaml)"
    run helm upgrade --install "$RELEASE" ./ocr-services --namespace "$APP_NS" \
      --create-namespace --values ocr-services/ci/minikube-small-values.yaml \
      --wait --timeout 10m
  fi
}

print_access() {
  step "How to reach each UI"
  cat <<EOF
ArgoCD      kubectl -n $ARGOCD_NS port-forward svc/argocd-server 8443:443
            https://127.0.0.1:8443  user admin, password:
            kubectl -n $ARGOCD_NS get secret argocd-initial-admin-secret -o jsonpath='{.data.password}' | base64 -d; echo
Grafana     kubectl -n $MONITORING_NS port-forward svc/grafana 3000:80
            http://127.0.0.1:3000  user admin, password:
            kubectl -n $MONITORING_NS get secret grafana -o jsonpath='{.data.admin-password}' | base64 -d; echo
            the OCR services dashboard is under Dashboards
Prometheus  kubectl -n $MONITORING_NS port-forward svc/prometheus-server 9090:80
            http://127.0.0.1:9090/targets  (pods of $APP_NS appear under kubernetes-pods)
Gateway     minikube -p $profile service -n $APP_NS $RELEASE-gateway --url
            or: kubectl -n $APP_NS port-forward svc/$RELEASE-gateway 8001:8001
            curl -F image_file=@page.png http://127.0.0.1:8001/gateway/ocr
Status      kubectl -n $APP_NS get pods; kubectl -n $ARGOCD_NS get applications
EOF
}

# --- Main ------------------------------------------------------------------
if [ "$dry_run" = true ]; then
  note "dry run: printing the commands, running none (planned as if nothing existed yet)"
else
  check_tools
fi
start_cluster
install_platform
load_dashboard
if [ "$load_images" = true ]; then load_images_into_cluster; fi
deploy_services
print_access
