#!/usr/bin/env bash
# Builds the container images of the OCR services with the local Docker:
#   <registry/>ocr-model-server:<tag>  model service (Tesseract + language data)
#   <registry/>ocr-gateway:<tag>  gateway (no Tesseract)
# Both Dockerfiles share the same builder stage, so the C++ compiles once:
# the second build takes it from the layer cache.
#
# When debian:bookworm-slim is neither present nor pullable (no Docker Hub
# here), it is built first from Debian's mirror with debootstrap (needs root).
#
# Usage: ./build_images.sh [--registry R] [--tag T] [--languages "deu fra"]
#                          [--revision REV] [--push] [--help]
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
docker="${DOCKER:-/usr/bin/docker}"  # the 20.10 client (see docs/containers.md)
base_image="debian:bookworm-slim"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"

usage() {
  cat <<EOF
Usage: $0 [options]
Builds ocr-model-server and ocr-gateway images with $docker.

  --registry R      prefix the image names with R/ (e.g. registry.example.com/ocr)
  --tag T           image tag (default: the project version in CMakeLists.txt: $(project_version))
  --languages "L.." extra Tesseract languages for the model image (e.g. "deu fra");
                    eng and osd are always installed
  --revision REV    source revision for the org.opencontainers.image.revision label
                    (default: \$OCR_REVISION, else read from .git, else "unknown")
  --push            push both images after building them
  --help            this text

Environment: DOCKER (client, default /usr/bin/docker), DOCKER_HOST,
DEBIAN_MIRROR (for the offline base image, default http://deb.debian.org/debian).
EOF
}

log() { echo "build_images: $*" >&2; }
run() {
  echo "+ $*" >&2
  "$@"
}

# The x.y.z of project(... VERSION x.y.z ...) in CMakeLists.txt.
project_version() {
  sed -n 's/^project([^)]*VERSION \([0-9][0-9.]*\).*/\1/p' "$root/CMakeLists.txt" | awk 'NR == 1'
}

# The commit checked out, read from .git without running git.
git_revision() {
  local head ref
  head="$root/.git/HEAD"
  [ -f "$head" ] || return 1
  read -r head <"$head"
  case "$head" in
    "ref: "*)
      ref="${head#ref: }"
      if [ -f "$root/.git/$ref" ]; then
        read -r head <"$root/.git/$ref"
      else
        head="$(awk -v r="$ref" '$2 == r {print $1}' "$root/.git/packed-refs" 2>/dev/null)"
      fi
      ;;
  esac
  [ -n "$head" ] && echo "$head"
}

# Builds debian:bookworm-slim from Debian's mirror and imports it: the same
# minimal Debian as the official image (apt caches and documentation gone).
build_base_image() {
  if [ "$(id -u)" -ne 0 ]; then
    log "building $base_image with debootstrap needs root"
    exit 1
  fi
  command -v debootstrap >/dev/null || {
    log "debootstrap is missing (apt-get install debootstrap)"
    exit 1
  }
  local work rootfs
  work="$(mktemp -d "${TMPDIR:-/tmp}/ocr-base.XXXXXX")"
  # shellcheck disable=SC2064  # expand $work now: it is local
  trap "rm -rf '$work'" EXIT
  rootfs="$work/rootfs"
  run debootstrap --variant=minbase bookworm "$rootfs" "$mirror"

  cat >"$rootfs/etc/apt/sources.list" <<EOF
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
EOF
  # Images are rebuilt from old snapshots too; an expired Release file must
  # not stop apt-get update.
  echo 'Acquire::Check-Valid-Until "false";' >"$rootfs/etc/apt/apt.conf.d/99no-check-valid-until"
  # No translated package descriptions: apt-get update fetches 6 MB less.
  echo 'Acquire::Languages "none";' >"$rootfs/etc/apt/apt.conf.d/99no-translations"
  # As the official slim image: apt keeps no .debs, dpkg installs no docs.
  cat >"$rootfs/etc/apt/apt.conf.d/docker-clean" <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
  cat >"$rootfs/etc/dpkg/dpkg.cfg.d/docker-slim" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
EOF
  # Caches, logs and documentation that debootstrap left.
  find "$rootfs/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
  find "$rootfs/usr/share/doc" -mindepth 1 -type d -empty -delete
  rm -rf "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* \
    "$rootfs"/var/cache/apt/* "$rootfs"/var/lib/apt/lists/* \
    "$rootfs"/var/log/* "$rootfs"/tmp/* "$rootfs"/var/tmp/*
  find "$rootfs/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} +

  log "importing $rootfs as $base_image"
  tar -C "$rootfs" --numeric-owner -c . | run "$docker" import \
    --change 'CMD ["bash"]' - "$base_image"
  rm -rf "$work"
  trap - EXIT
}

ensure_base_image() {
  if "$docker" image inspect "$base_image" >/dev/null 2>&1; then
    log "$base_image is present"
    return
  fi
  log "$base_image is missing; trying to pull it"
  if timeout 60 "$docker" pull "$base_image" >/dev/null 2>&1; then
    log "pulled $base_image"
    return
  fi
  log "cannot pull $base_image; building it offline with debootstrap from $mirror"
  local start=$SECONDS
  build_base_image
  log "built $base_image in $((SECONDS - start)) s"
}

registry="" tag="" languages="" revision="${OCR_REVISION:-}" push=0
while [ $# -gt 0 ]; do
  case "$1" in
    --registry) registry="${2:?--registry needs a value}"; shift 2 ;;
    --registry=*) registry="${1#*=}"; shift ;;
    --tag) tag="${2:?--tag needs a value}"; shift 2 ;;
    --tag=*) tag="${1#*=}"; shift ;;
    --languages) languages="${2?--languages needs a value}"; shift 2 ;;
    --languages=*) languages="${1#*=}"; shift ;;
    --revision) revision="${2:?--revision needs a value}"; shift 2 ;;
    --revision=*) revision="${1#*=}"; shift ;;
    --push) push=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) log "unknown argument: $1"; usage >&2; exit 2 ;;
  esac
done

version="$(project_version)"
[ -n "$version" ] || { log "no project(... VERSION x.y.z) in CMakeLists.txt"; exit 1; }
tag="${tag:-$version}"
[ -n "$revision" ] || revision="$(git_revision || echo unknown)"
prefix="${registry:+${registry%/}/}"
model_image="${prefix}ocr-model-server:$tag"
gateway_image="${prefix}ocr-gateway:$tag"

[ -x "$docker" ] || { log "no Docker client at $docker (apt-get install docker.io)"; exit 1; }
"$docker" info >/dev/null 2>&1 || {
  log "no Docker daemon reachable (DOCKER_HOST=${DOCKER_HOST:-unset})"
  exit 1
}
# The classic builder: BuildKit needs the buildx plugin, which is absent.
export DOCKER_BUILDKIT=0

ensure_base_image

common_args=(--build-arg "VERSION=$version" --build-arg "REVISION=$revision")

start=$SECONDS
run "$docker" build -f "$root/docker/model/Dockerfile" "${common_args[@]}" \
  --build-arg "LANGUAGES=$languages" -t "$model_image" "$root"
model_seconds=$((SECONDS - start))

start=$SECONDS
run "$docker" build -f "$root/docker/gateway/Dockerfile" "${common_args[@]}" \
  -t "$gateway_image" "$root"
gateway_seconds=$((SECONDS - start))

log "built $model_image in $model_seconds s, $gateway_image in $gateway_seconds s"
"$docker" images --format '{{.Repository}}:{{.Tag}}  {{.Size}}' |
  grep -E "(^|/)ocr-(model-server|gateway):$tag " >&2 || true

if [ "$push" -eq 1 ]; then
  run "$docker" push "$model_image"
  run "$docker" push "$gateway_image"
fi
