#!/usr/bin/env bash
# Validate kafka-compose.yml with Docker Compose v2: YAML, the compose schema, variable interpolation, anchors,
# depends_on targets. `docker compose config` needs only the docker CLI and its compose plugin, no engine.
#
#   deploy/check-compose.sh            # from anywhere; checks <repo>/kafka-compose.yml
#
# Exit codes: 0 valid; the compose exit code (1) when the file is invalid; 3 when no Compose v2 is installed.
# A missing Compose is a failure, not a skip, on purpose: a check that did not run must not look like a pass.
# Compose v1 (the Python `docker-compose` 1.x) is refused: it does not know `configs.content` and the file
# would be judged by other rules than the ones `docker compose up` applies.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
compose_file="$repo/kafka-compose.yml"

compose=()
if docker compose version >/dev/null 2>&1; then
    compose=(docker compose)
elif command -v docker-compose >/dev/null 2>&1 \
        && docker-compose version --short 2>/dev/null | grep -Eq '^v?[2-9]\.'; then
    compose=(docker-compose)
fi

if [ ${#compose[@]} -eq 0 ]; then
    cat >&2 <<'EOF'
check-compose: FAILED: no Docker Compose v2 found (`docker compose version` does not work).
Install it as a docker CLI plugin, for example:
  - with Docker's own apt repository:  apt-get install docker-compose-plugin
    (Debian 12's own `docker-compose` package is v1.29: refused here)
  - Docker Desktop: already included
  - from source with Go (no Docker engine needed; run outside this repository):
      ver=v2.40.3
      go mod download -json github.com/docker/compose/v2@$ver   # prints "Dir": <src>
      cp -r <src> /tmp/compose-src && chmod -R u+w /tmp/compose-src && cd /tmp/compose-src
      CGO_ENABLED=0 go build -trimpath \
        -ldflags "-w -X github.com/docker/compose/v2/internal.Version=$ver" -o docker-compose ./cmd
      mkdir -p ~/.docker/cli-plugins && cp docker-compose ~/.docker/cli-plugins/docker-compose
    (`go install github.com/docker/compose/v2/cmd@$ver` does not work: compose's go.mod has exclude directives.)
EOF
    exit 3
fi

"${compose[@]}" -f "$compose_file" config -q
echo "check-compose: $compose_file is valid ($("${compose[@]}" version --short 2>/dev/null || echo 'compose v2'))"
