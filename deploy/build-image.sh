#!/usr/bin/env bash
# Build deploy/Dockerfile into the resumeflow image and check that it starts: `resumeflow --help` as the image's
# own non-root user. With `docker build` when a Docker engine answers; otherwise with buildah (no daemon; Debian's
# `buildah` package), whose `--isolation chroot` runs the Dockerfile's RUN steps without a container runtime.
#
#   deploy/build-image.sh            (or `make image`; TAG=resumeflow:dev, PYTHON_IMAGE=python:3.11-slim)
#   STANDIN=1 deploy/build-image.sh  (or `make image STANDIN=1`: check the Dockerfile where no registry answers)
#
# The base image comes from a registry (Docker Hub's python:3.11-slim). Where none is reachable (a machine that
# reaches only the package registries) and STANDIN=1 asks for it, the build goes on from a stand-in made here:
# Debian bookworm with its python3.11 and python3.11-venv (debootstrap from deb.debian.org), `python` on
# /usr/local/bin as in the official image, and this host's CA bundle (a TLS-intercepting proxy's CA is in it; pip
# then reaches PyPI through it). The stand-in is for checking the Dockerfile, not for shipping: its image is tagged
# resumeflow:standin-check unless TAG says otherwise, and without STANDIN=1 a failed pull stops the build.
# Exits 3 when neither docker nor buildah is installed (and debootstrap, for the stand-in).
set -euo pipefail
tag="${TAG:-resumeflow:dev}"
base="${PYTHON_IMAGE:-python:3.11-slim}"
standin="localhost/python:3.11-slim-debootstrap"
cd "$(dirname "$0")/.."

if docker info >/dev/null 2>&1; then
    docker build -f deploy/Dockerfile --build-arg PYTHON_IMAGE="$base" -t "$tag" .
    docker run --rm "$tag" --help >/dev/null
    echo "build-image: $tag built with docker; resumeflow --help runs in it"
    exit 0
fi
command -v buildah >/dev/null || {
    echo "build-image: needs a Docker engine, or buildah (Debian: apt-get install buildah debootstrap)" >&2; exit 3; }

# Whatever a failed step leaves (set -e exits without running RETURN traps): the stand-in's root tree and log, and
# the working containers. A failing cleanup does not change the build's exit status.
root="" containers=()
cleanup() {
    local status=$?
    if [ -n "$root" ]; then rm -rf "$root" "$root.log"; fi
    for container in "${containers[@]}"; do buildah rm "$container" >/dev/null 2>&1 || true; done
    exit "$status"
}
trap cleanup EXIT

make_standin() {
    command -v debootstrap >/dev/null || {
        echo "build-image: no registry answers for $base, and debootstrap is missing to make a stand-in" >&2; exit 3; }
    local container
    root="$(mktemp -d)"
    # python3-distutils by name: debootstrap does not resolve the virtual python3.11-distutils python3.11-venv needs.
    if ! debootstrap --variant=minbase --include=python3.11,python3.11-venv,python3-distutils,ca-certificates \
            bookworm "$root" http://deb.debian.org/debian >"$root.log" 2>&1; then
        tail -n 20 "$root.log" >&2
        if [ -f "$root/debootstrap/debootstrap.log" ]; then tail -n 20 "$root/debootstrap/debootstrap.log" >&2; fi
        echo "build-image: debootstrap could not make the stand-in base (above)" >&2
        exit 1
    fi
    mkdir -p "$root/usr/local/bin"
    ln -sf /usr/bin/python3.11 "$root/usr/local/bin/python"
    ln -sf /usr/bin/python3.11 "$root/usr/local/bin/python3"
    # This host's CA bundle: Debian's path, else Fedora's and RHEL's.
    local bundle=/etc/ssl/certs/ca-certificates.crt
    [ -f "$bundle" ] || bundle=/etc/pki/tls/certs/ca-bundle.crt
    if [ -f "$bundle" ]; then cp "$bundle" "$root/etc/ssl/certs/ca-certificates.crt"; fi
    rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
    container="$(buildah from scratch)"
    containers+=("$container")
    buildah copy "$container" "$root/" / >/dev/null
    # Debian's pip trusts its own certifi bundle unless told otherwise.
    buildah config --env PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin --env LANG=C.UTF-8 \
        --env SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt --env PIP_CERT=/etc/ssl/certs/ca-certificates.crt \
        --cmd python3 "$container"
    buildah commit -q "$container" "$standin" >/dev/null
}

if ! buildah inspect --type image "$base" >/dev/null 2>&1 && ! buildah pull -q "$base" >/dev/null 2>&1; then
    if [ "${STANDIN:-0}" != 1 ]; then
        echo "build-image: could not pull $base (no registry answers, a rate limit, a login needed?). To check the" \
             "Dockerfile from a Debian stand-in base instead, not to publish: make image STANDIN=1" >&2
        exit 1
    fi
    if [ "$base" != python:3.11-slim ]; then
        echo "build-image: the stand-in is Debian bookworm's python3.11; it cannot stand in for $base" >&2; exit 1
    fi
    echo "build-image: no registry answers for $base: building from a Debian stand-in ($standin)" >&2
    buildah inspect --type image "$standin" >/dev/null 2>&1 || make_standin
    base="$standin"
    tag="${TAG:-resumeflow:standin-check}"
fi
buildah bud --isolation chroot --layers --build-arg PYTHON_IMAGE="$base" -f deploy/Dockerfile -t "$tag" .
containers+=("$(buildah from "$tag")")
buildah run --isolation chroot --user 10001:10001 "${containers[-1]}" -- resumeflow --help >/dev/null
echo "build-image: $tag built with buildah from $base; resumeflow --help runs in it as uid 10001"
