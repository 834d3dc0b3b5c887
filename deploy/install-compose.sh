#!/usr/bin/env bash
# Install Docker Compose v2 as a docker CLI plugin, built from source through the Go module proxy, so that
# `docker compose -f kafka-compose.yml config` can check the compose file on a machine without Docker's apt
# repository. Needs Go; no Docker engine. About 2-3 minutes on 2 cores; skipped when Compose v2 is present.
set -euo pipefail
version="${COMPOSE_VERSION:-v2.40.3}"

if docker compose version >/dev/null 2>&1; then
    echo "install-compose: $(docker compose version) already installed"
    exit 0
fi
command -v go >/dev/null || { echo "install-compose: Go is needed to build Compose" >&2; exit 3; }

work="$(mktemp -d)"
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
# `go install .../cmd@version` refuses modules whose go.mod has exclude directives, as compose's has:
# download the module and build inside it instead.
src="$(go mod download -json "github.com/docker/compose/v2@$version" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')"
cp -r "$src" "$work/src"
chmod -R u+w "$work/src"
(cd "$work/src" && CGO_ENABLED=0 go build -trimpath \
    -ldflags "-w -X github.com/docker/compose/v2/internal.Version=$version" -o "$work/docker-compose" ./cmd)
mkdir -p "$HOME/.docker/cli-plugins"
install -m 0755 "$work/docker-compose" "$HOME/.docker/cli-plugins/docker-compose"
echo "install-compose: $(docker compose version)"
