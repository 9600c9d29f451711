#!/usr/bin/env bash
# Installs what the infra checks validate with, into the artifact cache, from the registries only:
#   kubeconform (Go module proxy), the Kubernetes OpenAPI spec of the targeted EKS version (the
#   k8s.io/kubernetes Go module's api/openapi-spec), PyPI's openapi2jsonschema to turn it into one
#   JSON schema per kind, and the Flink operator's FlinkDeployment CRD (Maven Central jar).
# Idempotent: each step is skipped when its output (with a .complete marker) is there.

set -euo pipefail
cd "$(dirname "$0")/.."

# One place for the versions: infra/pulumi/versions.json (the Pulumi program reads it too).
versions=infra/pulumi/versions.json
read_version() { python3 -c "import json,sys; print(json.load(open('$versions'))['$1'])"; }
K8S_VERSION="$(read_version kubernetesSchemas)"        # e.g. 1.34.0 for EKS 1.34
OPERATOR_VERSION="$(read_version flinkOperator)"        # the chart the program installs
# Maven Central serves flink-kubernetes-operator-api only up to 1.10.0 (checked 2026-11); the
# program installs 1.13.0. Our FlinkDeployment touches one field whose allowed values differ
# between them: flinkVersion (1.10 stops at v1_20; 1.11 added v2_0, 1.12/1.13 v2_1). So the
# schema is 1.10.0's with exactly those enum values added; when the registry serves the installed
# release, set flinkOperatorCrd to it and the widening becomes a no-op.
CRD_VERSION="$(read_version flinkOperatorCrd)"
CRD_ADDS="$(read_version flinkOperatorCrdAddsFlinkVersions)"
KUBECONFORM_VERSION=v0.7.0
OPENAPI2JSONSCHEMA_VERSION=0.9.1

CACHE="${LAMBDALAKE_CACHE:-${LAMBDALAKE_HOME:-$HOME/.lambdalake}/cache}"
ROOT="$CACHE/infra-schemas"
mkdir -p "$ROOT"
log() { echo "infra-schemas: $*" >&2; }

# 1. kubeconform, built from the Go module proxy into the cache (not ~/go/bin: the check finds it here).
KC="$ROOT/bin/kubeconform-$KUBECONFORM_VERSION"
if [ ! -x "$KC" ]; then
  log "building kubeconform $KUBECONFORM_VERSION"
  mkdir -p "$ROOT/bin"
  GOBIN="$ROOT/bin/.tmp" go install "github.com/yannh/kubeconform/cmd/kubeconform@$KUBECONFORM_VERSION"
  mv "$ROOT/bin/.tmp/kubeconform" "$KC" && rmdir "$ROOT/bin/.tmp"
fi
ln -sfn "$(basename "$KC")" "$ROOT/bin/kubeconform"

# 2. openapi2jsonschema in its own venv. --no-deps: its pinned old requirements (pyyaml<6,
#    click<8, jsonref<0.3) do not build on current Pythons; it runs with the current ones.
VENV="$ROOT/venv-openapi2jsonschema-$OPENAPI2JSONSCHEMA_VERSION"
if [ ! -e "$VENV/.complete" ]; then
  log "installing openapi2jsonschema $OPENAPI2JSONSCHEMA_VERSION"
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q pyyaml jsonref click
  "$VENV/bin/pip" install -q --no-deps "openapi2jsonschema==$OPENAPI2JSONSCHEMA_VERSION"
  touch "$VENV/.complete"
fi

# 3. Kubernetes JSON schemas (standalone, strict: unknown fields are errors, as the API server's
#    field validation makes them since 1.27).
K8S_DIR="$ROOT/kubernetes-v$K8S_VERSION-standalone-strict"
if [ ! -e "$K8S_DIR/.complete" ]; then
  log "downloading k8s.io/kubernetes@v$K8S_VERSION (for api/openapi-spec/swagger.json)"
  module_dir="$(GOFLAGS=-mod=mod go mod download -json "k8s.io/kubernetes@v$K8S_VERSION" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')"
  rm -rf "$K8S_DIR" && mkdir -p "$K8S_DIR"
  log "generating JSON schemas"
  (cd "$K8S_DIR" && "$VENV/bin/openapi2jsonschema" --kubernetes --stand-alone --expanded --strict \
    -o . "file://$module_dir/api/openapi-spec/swagger.json" >/dev/null)
  touch "$K8S_DIR/.complete"
fi

# 4. The FlinkDeployment CRD from the operator's API jar on Maven Central, turned into a JSON schema.
CRD_DIR="$ROOT/flink-operator-crd-$CRD_VERSION-plus-${CRD_ADDS//,/_}"
if [ ! -e "$CRD_DIR/.complete" ]; then
  rm -rf "$CRD_DIR" && mkdir -p "$CRD_DIR/jar"
  log "resolving org.apache.flink:flink-kubernetes-operator-api:$CRD_VERSION"
  mvn -q --batch-mode dependency:copy \
    "-Dartifact=org.apache.flink:flink-kubernetes-operator-api:$CRD_VERSION" \
    "-DoutputDirectory=$CRD_DIR/jar" >&2
  (cd "$CRD_DIR/jar" && python3 -m zipfile -e ./*.jar extracted >/dev/null)
  "$VENV/bin/python" scripts/crd-to-jsonschema.py \
    "$CRD_DIR/jar/extracted/META-INF/fabric8/flinkdeployments.flink.apache.org-v1.yml" "$CRD_DIR" \
    --add-enum "flinkVersion=$CRD_ADDS" >&2
  rm -rf "$CRD_DIR/jar"
  touch "$CRD_DIR/.complete"
fi

# Where the check finds everything, without knowing the versions.
ln -sfn "$(basename "$K8S_DIR")" "$ROOT/kubernetes"
ln -sfn "$(basename "$CRD_DIR")" "$ROOT/flink-operator-crd"
log "kubeconform $KUBECONFORM_VERSION, Kubernetes v$K8S_VERSION, FlinkDeployment CRD $CRD_VERSION (+ flinkVersion $CRD_ADDS; operator installed: $OPERATOR_VERSION)"

