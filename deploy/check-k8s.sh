#!/usr/bin/env bash
# Validate the Kubernetes manifests offline, with the tools deploy/install-k8s-tools.sh put in its cache:
#   1. deploy/k8s/base/generated/ equals what `python -m deploy.generate` prints (catalog and registry in step);
#   2. `kustomize build` of every overlay;
#   3. kubeconform -strict: the Kubernetes resources against the API's JSON schemas (unknown fields refused) and
#      KEDA's ScaledObjects against KEDA's CRD schema;
#   4. the Strimzi resources (Kafka, KafkaNodePool, KafkaTopic) against Strimzi's CRD schemas.
# What no schema can tell (a running operator's admission rules, whether the Secret exists, whether the image
# starts) is not checked here: README "Deployment".
#
#   deploy/check-k8s.sh                   # every overlay; exit 0 when all is valid, 3 without the tools
#   deploy/check-k8s.sh OVERLAY_DIR...    # only these kustomizations (the tests check a broken one)
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="${RESUMEFLOW_K8S_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/resumeflow/k8s-tools}"
python="${PYTHON:-$repo/.venv/bin/python}"
[ -x "$python" ] || python="$(command -v python3)"
KUBERNETES_VERSION=1.33.0 # as in install-k8s-tools.sh

if ! ls "$cache"/.installed-* >/dev/null 2>&1; then
    echo "check-k8s: the validators are not installed in $cache: run deploy/install-k8s-tools.sh" >&2
    exit 3
fi

# Every step runs even after a failure, so one run names every problem; the exit status is 1 if any failed.
failed=0
echo "== generated manifests against the catalog and the processor registry"
(cd "$repo" && PYTHONPATH="$repo" "$python" -m deploy.generate --check) || failed=1

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
overlays=("$@")
[ ${#overlays[@]} -gt 0 ] || overlays=("$repo"/deploy/k8s/overlays/*/)
for overlay in "${overlays[@]}"; do
    name="$(basename "$overlay")"
    echo "== kustomize build $name"
    if ! "$cache/bin/kustomize" build "$overlay" > "$out/$name.yaml"; then
        failed=1
        continue
    fi
    echo "$(grep -c '^kind:' "$out/$name.yaml") resources"

    echo "== kubeconform $name (Kubernetes $KUBERNETES_VERSION, KEDA CRDs; Strimzi kinds in the next step)"
    "$cache/bin/kubeconform" -strict -summary -kubernetes-version "$KUBERNETES_VERSION" \
        -schema-location "$cache/schemas/kubernetes/{{ .NormalizedKubernetesVersion }}-local-strict/{{ .ResourceKind }}{{ .KindSuffix }}.json" \
        -schema-location "$cache/schemas/crds/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json" \
        -skip Kafka,KafkaNodePool,KafkaTopic \
        "$out/$name.yaml" || failed=1

    echo "== Strimzi CRD schemas $name"
    "$python" -c 'import json, sys, yaml
for doc in yaml.safe_load_all(sys.stdin):
    if doc:
        print(json.dumps(doc))' < "$out/$name.yaml" \
        | STRIMZI_MODELS="$cache/strimzi" node "$repo/deploy/k8s-tools/validate-strimzi.mjs" || failed=1
done
if [ "$failed" -ne 0 ]; then
    echo "check-k8s: FAILED (see above)" >&2
    exit 1
fi
echo "check-k8s: every manifest is valid"
