#!/usr/bin/env bash
# Builds, with podman, local images standing in for the official images the container stack
# (`stack up --containers`) starts, under the same names (src/stack/versions.ts, STACK_IMAGES), for
# a machine without a registry. Where Docker can pull, nothing here is needed: the official images
# are used as they are.
#
# What the stack needs of each image, and what these provide (from the debootstrapped bookworm
# base plus Debian packages and the binaries the process stack already uses):
#   apache/kafka, flink, apache/iceberg-rest-fixture  a Java 17 runtime on PATH: the stack runs the
#       same jars as the process stack (mounted from the artifact cache) with the same command lines
#   postgres  PostgreSQL 15 and an entrypoint honouring POSTGRES_USER/PASSWORD/DB (first start
#       initialises the data folder, as the official docker-entrypoint.sh does)
#   minio/minio  the MinIO binary the process stack builds (`minio server …` as the entrypoint)
#
# Idempotent and cached: an image is rebuilt only when its inputs' hash changes.
#   scripts/build-stack-images.sh
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)
log() { echo "build-stack-images: $*" >&2; }

CACHE="${LAMBDALAKE_CACHE:-${LAMBDALAKE_HOME:-$HOME/.lambdalake}/cache}/image"
mkdir -p "$CACHE"
BASE=localhost/lambdalake-base:bookworm
DEBIAN_MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
# shellcheck source=lib/podman-base.sh
. scripts/lib/podman-base.sh # the working folder is the repository root (cd above)

# The image names, read from the one place they are pinned.
images_json="$(node --import tsx -e 'import("./src/stack/versions.ts").then((m) => console.log(JSON.stringify({ ...m.STACK_IMAGES, minioVersion: m.STACK_VERSIONS.minio })))')"
image() { node -e "console.log(JSON.parse(process.argv[1])[process.argv[2]])" "$images_json" "$1"; }

# build <context folder> <tag...>: builds when the context's hash differs from the label on the
# first tag, then tags the rest.
build() {
  local ctx="$1"
  shift
  local hash
  hash="$( (
    echo "base $(podman image inspect --format '{{.Id}}' "$BASE")"
    cd "$ctx" && find . -type f -print0 | sort -z | xargs -0 sha256sum
  ) | sha256sum | cut -c1-16)"
  if [ "$(podman image inspect --format '{{index .Labels "io.lambdalake.inputs"}}' "$1" 2>/dev/null || true)" = "$hash" ]; then
    log "$1 is up to date (inputs $hash)"
  else
    log "podman build $1"
    podman build --quiet --label "io.lambdalake.inputs=$hash" --build-arg "BASE=$BASE" -t "$1" "$ctx" >/dev/null
  fi
  local first="$1"
  shift
  for tag in "$@"; do podman tag "$first" "$tag"; done
}

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# A Java runtime image, tagged as Kafka's, Flink's and the Iceberg REST fixture's images.
mkdir -p "$work/jre"
cat >"$work/jre/Containerfile" <<'EOF'
ARG BASE
FROM ${BASE}
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends openjdk-17-jre-headless \
 && rm -rf /var/lib/apt/lists/*
EOF
build "$work/jre" localhost/lambdalake-jre:17 "$(image kafka)" "$(image flink)" "$(image icebergCatalog)"

# PostgreSQL 15 with the official image's first-start contract (POSTGRES_USER/PASSWORD/DB).
mkdir -p "$work/postgres"
cat >"$work/postgres/docker-entrypoint.sh" <<'EOF'
#!/bin/sh
# The part of the official postgres image's entrypoint the stack relies on: initialise PGDATA on
# first start with POSTGRES_USER / POSTGRES_PASSWORD / POSTGRES_DB, then run postgres as postgres.
set -eu
PGDATA="${PGDATA:-/var/lib/postgresql/data}"
bin=/usr/lib/postgresql/15/bin
if [ "$(id -u)" = 0 ]; then
  mkdir -p "$PGDATA" && chown postgres:postgres "$PGDATA" && chmod 700 "$PGDATA"
  exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
fi
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  pw="$(mktemp)"
  printf '%s\n' "${POSTGRES_PASSWORD:?POSTGRES_PASSWORD is required}" >"$pw"
  "$bin/initdb" -D "$PGDATA" -U "${POSTGRES_USER:-postgres}" --pwfile="$pw" --auth=scram-sha-256 -E UTF8 --locale=C >/dev/null
  rm -f "$pw"
  db="${POSTGRES_DB:-${POSTGRES_USER:-postgres}}"
  if [ "$db" != postgres ]; then
    "$bin/postgres" --single -D "$PGDATA" -j postgres <<SQL >/dev/null
CREATE DATABASE "$db";
SQL
  fi
fi
[ "${1:-postgres}" = postgres ] && shift
exec "$bin/postgres" -D "$PGDATA" "$@"
EOF
cat >"$work/postgres/Containerfile" <<'EOF'
ARG BASE
FROM ${BASE}
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql-15 \
 && rm -rf /var/lib/apt/lists/*
COPY docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
RUN chmod 755 /usr/local/bin/docker-entrypoint.sh
ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]
CMD ["postgres"]
EOF
build "$work/postgres" "$(image postgres)"

# MinIO: the binary `stack up --s3` built into the artifact cache (build it first if absent).
minio_bin="${CACHE%/image}/minio-$(image minioVersion)/minio"
if [ ! -x "$minio_bin" ]; then
  log "MinIO is not in the artifact cache: run \`npx lambdalake stack up --s3\` once to build it"
  exit 1
fi
mkdir -p "$work/minio"
cp "$minio_bin" "$work/minio/minio"
cat >"$work/minio/Containerfile" <<'EOF'
ARG BASE
FROM ${BASE}
COPY minio /usr/bin/minio
ENTRYPOINT ["/usr/bin/minio"]
EOF
build "$work/minio" "$(image s3)"

log "images ready in $(($(date +%s) - started)) s"
