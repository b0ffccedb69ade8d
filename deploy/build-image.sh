#!/usr/bin/env bash
# Builds deploy/Dockerfile into the local image localhost/datamesh:dev without a Docker daemon
# and without a registry (`make images`; deploy/README.md, "Building the image without Docker"):
#
#   1. the Debian base images come from debootstrap (Debian's mirror), imported with buildah;
#   2. buildah builds the Dockerfile with its base-image ARGs pointing at them;
#   3. every binary of the image is run with --help and must answer.
#
# Runs as root (debootstrap needs it). RUN steps use chroot isolation, which needs no cgroup
# setup and no user namespaces (crun, buildah's default runtime here, refuses hybrid cgroups).
# Environment:
#   WORK        scratch folder for the base root file system (default build/image)
#   IMAGE       the image to build (default localhost/datamesh:dev)
#   MIRROR      Debian mirror (default http://deb.debian.org/debian)
#   BUILD_JOBS  compile jobs inside the build (default 1: the machine stays usable)
#   REUSE_BASE  1: keep localhost/debian:* if present instead of bootstrapping again
#   SOURCE      worktree (default): the checkout as it is; a commit (e.g. HEAD): that commit's
#               tree from `git archive`, built with the working tree's deploy/Dockerfile
#   BUILDAH_STORAGE_DRIVER  e.g. vfs where overlay mounts fail (default: buildah's, overlay)
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="${WORK:-$repo/build/image}"
IMAGE="${IMAGE:-localhost/datamesh:dev}"
MIRROR="${MIRROR:-http://deb.debian.org/debian}"
BUILD_JOBS="${BUILD_JOBS:-1}"
RELEASE=bookworm
BUILD_BASE="localhost/debian:$RELEASE"
RUNTIME_BASE="localhost/debian:$RELEASE-slim"
BINARIES=(auth quota file-ingest chunk-store dht monitoring governance gateway dm-health)

export BUILDAH_ISOLATION=chroot
# buildah 1.28 ignores STORAGE_DRIVER in the environment: the driver is a global flag.
buildah() { command buildah ${BUILDAH_STORAGE_DRIVER:+--storage-driver "$BUILDAH_STORAGE_DRIVER"} "$@"; }

step() { printf '\n== build-image [%ds]: %s\n' "$SECONDS" "$*"; }
fail() { printf 'build-image: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || fail "run as root (debootstrap and buildah's chroot isolation need it)"
for tool in buildah debootstrap; do
  type -P "$tool" > /dev/null ||
    fail "$tool not found: sudo apt-get install buildah debootstrap (not part of make deps)"
done

have_image() { buildah images --quiet "$1" > /dev/null 2>&1; }

# A minbase root file system, imported as a one-layer image named $1. Docker Hub's
# debian:bookworm is minbase too; its -slim variant also drops documentation and locales,
# which path-exclude rules in dpkg.cfg.d do here (they apply to packages installed later).
import_base() {
  local name="$1" slim="$2" rootfs="$WORK/rootfs-$2"
  if [ "${REUSE_BASE:-0}" = 1 ] && have_image "$name"; then
    step "reusing $name"
    return
  fi
  step "debootstrap --variant=minbase $RELEASE into $rootfs ($MIRROR)"
  rm -rf "$rootfs"
  mkdir -p "$WORK"
  nice debootstrap --variant=minbase "$RELEASE" "$rootfs" "$MIRROR"
  if [ "$slim" = slim ]; then
    cat > "$rootfs/etc/dpkg/dpkg.cfg.d/slim" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
EOF
    rm -rf "$rootfs"/usr/share/{man,info,locale}/* "$rootfs"/var/lib/apt/lists/*
  fi
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb
  step "import $rootfs as $name"
  local ctr mnt
  ctr="$(buildah from scratch)"
  mnt="$(buildah mount "$ctr")"
  tar -C "$rootfs" -c . | tar -C "$mnt" -x
  buildah umount "$ctr" > /dev/null
  buildah config --cmd /bin/bash "$ctr"
  buildah commit --quiet --rm "$ctr" "$name" > /dev/null
  rm -rf "$rootfs"
}

step "buildah $(buildah --version | cut -d' ' -f3), storage driver $(buildah info --format '{{.store.GraphDriverName}}'), isolation $BUILDAH_ISOLATION"
import_base "$BUILD_BASE" full
import_base "$RUNTIME_BASE" slim

context="$repo"
if [ "${SOURCE:-worktree}" != worktree ]; then
  context="$WORK/context"
  step "context: git archive $SOURCE ($(git -C "$repo" rev-parse --short "$SOURCE")) into $context"
  rm -rf "$context"
  mkdir -p "$context"
  git -C "$repo" archive "$SOURCE" | tar -x -C "$context"
fi

step "buildah bud deploy/Dockerfile -> $IMAGE (context $context, BUILD_JOBS=$BUILD_JOBS, nice)"
nice buildah bud \
  --pull=never \
  --isolation chroot \
  --layers \
  --ignorefile "$repo/deploy/Dockerfile.dockerignore" \
  --build-arg BUILD_BASE_IMAGE="$BUILD_BASE" \
  --build-arg RUNTIME_BASE_IMAGE="$RUNTIME_BASE" \
  --build-arg BUILD_JOBS="$BUILD_JOBS" \
  -f "$repo/deploy/Dockerfile" -t "$IMAGE" "$context"

step "each binary of $IMAGE answers --help"
ctr="$(buildah from --pull=never "$IMAGE")"
trap 'buildah rm "$ctr" > /dev/null 2>&1 || true' EXIT
failed=0
for b in "${BINARIES[@]}"; do
  # Judged by what it prints: dm-health exits 2 on --help (it also says --addr is required).
  out="$(buildah run "$ctr" -- "/usr/local/bin/$b" --help 2>&1 || true)"
  if grep -q "^Usage: $b " <<< "$out"; then
    echo "ok    $b --help ($(grep -c -- '--' <<< "$out") flag lines)"
  else
    echo "FAIL  $b --help:"; sed 's/^/      /' <<< "$out" | head -5
    failed=1
  fi
done
[ "$failed" = 0 ] || fail "some binaries of $IMAGE do not answer"
step "done: $IMAGE ($(buildah images --format '{{.Size}}' "$IMAGE"))"
