# The lambdalake image: serving, the scheduler, the deploy Job and the CLI, one image.
# Built by scripts/build-image.sh, which assembles the context (see there for why):
#   rootfs/ is not used here; the base image is a debootstrapped Debian bookworm (minbase),
#   node/   the Node.js 20 binary from the npm registry's node-linux-<arch> package,
#   app/    bin/, src/, pipelines/, sql/, schemas/ and production node_modules (npm ci --omit=dev,
#           which brings DuckDB's prebuilt native binding for this platform).
ARG BASE=localhost/lambdalake-base:bookworm
FROM ${BASE}

# A fixed numeric user: Kubernetes can verify runAsNonRoot only against a numeric USER, and the
# Pulumi program's securityContext names this uid (infra/pulumi/components/lambdalake.ts).
RUN groupadd --system --gid 10001 lambdalake \
 && useradd --system --uid 10001 --gid 10001 --home-dir /tmp --no-create-home lambdalake

COPY node/bin/node /usr/local/bin/node
COPY app/ /app/
WORKDIR /app

# The root filesystem is read-only in the cluster: tsx and DuckDB write under HOME and TMPDIR.
ENV NODE_ENV=production HOME=/tmp TMPDIR=/tmp
USER 10001:10001
ENTRYPOINT ["node", "bin/lambdalake.mjs"]
CMD ["--help"]
