#!/usr/bin/env bash
# Tests infra/setup.sh without a cluster (none can run on CI machines):
#   - shellcheck on it and on every other shell script of the repository's
#     scripts/, infra/ and root (build_images.sh);
#   - --dry-run runs none of minikube/kubectl/helm/docker: they are replaced
#     on PATH by stubs that record any call and fail;
#   - the printed plan holds each step (cluster, charts with their values
#     files, dashboard, images, ArgoCD objects) and is the same twice;
#   - flags and environment overrides reach the commands;
#   - every file the plan refers to exists;
#   - without dry-run, missing tools are reported up front, before any step.
# Usage: infra_test.sh [REPO_ROOT]   (default: OCR_REPO_ROOT, else three up)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "${1:-${OCR_REPO_ROOT:-$here/../../..}}" && pwd)"
setup="$repo/infra/setup.sh"

work="$(mktemp -d "${TMPDIR:-/tmp}/infra-test.XXXXXX")"
trap 'rm -rf "$work"' EXIT

failures=0
ok() { echo "ok   $*"; }
fail() { echo "FAIL $*"; failures=$((failures + 1)); }
# expect_line FILE TEXT: a line of FILE contains TEXT (fixed string).
expect_line() {
  if grep -qF -- "$2" "$1"; then ok "plan has: $2"; else fail "plan has: $2"; fi
}
expect_no_line() {
  if grep -qF -- "$2" "$1"; then fail "plan lacks: $2"; else ok "plan lacks: $2"; fi
}

# --- shellcheck --------------------------------------------------------------
scripts=("$setup" "$here/infra_test.sh")
while IFS= read -r f; do scripts+=("$f"); done < <(
  find "$repo/scripts" "$repo/infra" -name '*.sh' -type f 2>/dev/null | sort
  find "$repo" -maxdepth 1 -name '*.sh' -type f | sort
)
# Unique, in order (infra/setup.sh is found twice).
mapfile -t scripts < <(printf '%s\n' "${scripts[@]}" | awk '!seen[$0]++')
for f in "${scripts[@]}"; do
  if out="$(shellcheck -x "$f" 2>&1)"; then
    ok "shellcheck ${f#"$repo"/}"
  else
    fail "shellcheck ${f#"$repo"/}"
    echo "$out"
  fi
done
if [ -f "$repo/build_images.sh" ]; then ok "build_images.sh found and checked"; fi

# --- dry run with the cluster tools replaced by recording stubs -----------
stubs="$work/stubs"
mkdir -p "$stubs"
calls="$work/calls.log"
: >"$calls"
for tool in minikube kubectl helm docker; do
  cat >"$stubs/$tool" <<EOF
#!/usr/bin/env bash
echo "$tool \$*" >>"$calls"
exit 97
EOF
  chmod +x "$stubs/$tool"
done
# dry_run OUT ARGS...: runs setup.sh with the stubs first on PATH.
dry_run() {
  local out="$1"
  shift
  PATH="$stubs:$PATH" "$setup" --dry-run "$@" >"$out" 2>&1
}

plan="$work/plan1.txt"
if dry_run "$plan"; then ok "setup.sh --dry-run exits 0"; else fail "setup.sh --dry-run exits 0"; cat "$plan"; fi
if [ -s "$calls" ]; then
  fail "--dry-run called no cluster tool; it called:"
  cat "$calls"
else
  ok "--dry-run called none of minikube, kubectl, helm, docker"
fi

expect_line "$plan" "+ minikube start -p ocr-services --driver=docker --cpus=4 --memory=8192"
expect_line "$plan" "+ kubectl config use-context ocr-services"
for chart in "argocd argo-cd" "prometheus prometheus" "grafana grafana"; do
  release="${chart%% *}"
  line="$(grep -F -- "+ helm upgrade --install $chart " "$plan" || true)"
  if [ -n "$line" ]; then ok "plan installs $release with helm upgrade --install"; else fail "plan installs $release with helm upgrade --install"; fi
  case "$line" in
    *"--values infra/values/$release.yaml"*) ok "$release uses infra/values/$release.yaml" ;;
    *) fail "$release uses infra/values/$release.yaml" ;;
  esac
  # A pinned chart version, not "latest".
  if [[ "$line" =~ --version\ [0-9]+\.[0-9]+\.[0-9]+ ]]; then ok "$release chart version pinned"; else fail "$release chart version pinned"; fi
done
expect_line "$plan" "--from-file=monitoring/dashboards/ocr-services.json"
expect_line "$plan" "kubectl label --local -f - grafana_dashboard=1"
expect_line "$plan" "+ minikube -p ocr-services image load ocr-model-server:0.1.0"
expect_line "$plan" "+ minikube -p ocr-services image load ocr-gateway:0.1.0"
expect_line "$plan" "+ kubectl apply --namespace argocd -f argo/project.yaml -f argo/application.yaml"
expect_line "$plan" "argocd-initial-admin-secret"
expect_line "$plan" "port-forward svc/grafana"
expect_line "$plan" "port-forward svc/prometheus-server"
expect_line "$plan" "service -n ocr-dev ocr-services-gateway"
# Order matters: charts before the objects that need their CRDs, images
# before the pods that use them.
order="$(grep -n -E '^\+ (minikube start|helm upgrade --install argocd|minikube -p .* image load ocr-gateway|kubectl apply --namespace argocd)' "$plan" | cut -d: -f1 | paste -sd' ')"
if echo "$order" | awk 'NF == 4 && $1 < $2 && $2 < $3 && $3 < $4 { found = 1 } END { exit !found }'; then
  ok "steps in order: cluster, ArgoCD, images, Application"
else
  fail "steps in order: cluster, ArgoCD, images, Application (lines: $order)"
fi

plan2="$work/plan2.txt"
dry_run "$plan2" || true
if cmp -s "$plan" "$plan2"; then ok "two dry runs print the same plan"; else fail "two dry runs print the same plan"; diff "$plan" "$plan2" || true; fi

# --- flags and environment ---------------------------------------------------
flags="$work/flags.txt"
dry_run "$flags" --profile demo --cpus 2 --memory=4g --no-argo --no-images || fail "dry run with flags exits 0"
expect_line "$flags" "+ minikube start -p demo --driver=docker --cpus=2 --memory=4g"
expect_line "$flags" "+ helm upgrade --install ocr-services ./ocr-services --namespace ocr-dev --create-namespace --values ocr-services/ci/minikube-small-values.yaml"
expect_no_line "$flags" "-f argo/"
expect_no_line "$flags" "image load"
envplan="$work/env.txt"
OCR_MINIKUBE_PROFILE=envprof OCR_MINIKUBE_CPUS=6 OCR_MINIKUBE_MEMORY=12g dry_run "$envplan" || fail "dry run with env exits 0"
expect_line "$envplan" "+ minikube start -p envprof --driver=docker --cpus=6 --memory=12g"
if [ -s "$calls" ]; then fail "dry runs with flags called no cluster tool"; cat "$calls"; fi

if "$setup" --help >"$work/help.txt" 2>&1 && grep -q -- "--dry-run" "$work/help.txt" && grep -q -- "--no-argo" "$work/help.txt"; then
  ok "--help prints the options and exits 0"
else
  fail "--help prints the options and exits 0"
fi
set +e
"$setup" --dry-run --bogus >"$work/bogus.txt" 2>&1
rc=$?
"$setup" --dry-run --cpus many >/dev/null 2>&1
rc_cpus=$?
set -e
if [ "$rc" -eq 2 ] && grep -q "unknown option" "$work/bogus.txt"; then ok "unknown option: exit 2 with a message"; else fail "unknown option: exit 2 with a message (got $rc)"; fi
if [ "$rc_cpus" -eq 2 ]; then ok "--cpus many is refused"; else fail "--cpus many is refused (got $rc_cpus)"; fi

# --- every file the plans refer to exists ------------------------------------
referenced="$(cat "$plan" "$flags" | grep '^+ ' |
  grep -oE '(--values|-f) [^ |]+|--from-file=[^ |]+' |
  sed -E 's/^(--values |-f |--from-file=)//' | grep -v '^-$' | sort -u)"
if [ -z "$referenced" ]; then fail "the plan refers to values files"; fi
for f in $referenced; do
  if [ -f "$repo/$f" ]; then ok "referenced file exists: $f"; else fail "referenced file exists: $f"; fi
done
# The values files of setup.sh are YAML mappings (parsed with the yaml
# package of this folder's package.json).
for f in "$repo"/infra/values/*.yaml; do
  if (cd "$here" && node --input-type=module -e "
      const fs = await import('node:fs');
      const YAML = (await import('yaml')).default;
      const v = YAML.parse(fs.readFileSync(process.argv[1], 'utf8'));
      if (!v || typeof v !== 'object' || Array.isArray(v)) process.exit(1);" "$f") 2>"$work/yaml.err"; then
    ok "YAML mapping: ${f#"$repo"/}"
  else
    fail "YAML mapping: ${f#"$repo"/}"
    cat "$work/yaml.err"
  fi
done

# --- without dry-run: missing tools are reported before anything runs ---
# A PATH with only what the script needs to start, and none of the tools
# (the repository's .cache/tools may still add helm and kubectl).
bare="$work/bare"
mkdir -p "$bare"
for cmd in bash dirname cat; do ln -s "$(command -v "$cmd")" "$bare/$cmd"; done
set +e
PATH="$bare" "$bare/bash" "$setup" >"$work/notools.txt" 2>&1
rc=$?
set -e
if [ "$rc" -eq 1 ] && grep -q "missing tools:.*minikube" "$work/notools.txt" &&
  ! grep -q '^+ ' "$work/notools.txt"; then
  ok "without minikube: exit 1, a clear message, no step run"
else
  fail "without minikube: exit 1, a clear message, no step run (exit $rc)"
  cat "$work/notools.txt"
fi

echo
if [ "$failures" -gt 0 ]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all infra/setup.sh checks passed"
