#!/usr/bin/env bash
# promtool (Prometheus' rule and config checker) for the tests that check deploy/prometheus, when the machine has
# none: the binary is taken out of Debian's `prometheus` package (fetched with `apt-get download`, which checks it
# against the signed archive index) into the user's cache, without installing the package — installing it would
# also start a Prometheus server. Prints the path of the promtool to use.
set -euo pipefail

if command -v promtool >/dev/null; then command -v promtool; exit 0; fi
tools="${XDG_CACHE_HOME:-$HOME/.cache}/resumeflow/tools"
if [[ -x "$tools/bin/promtool" ]]; then echo "$tools/bin/promtool"; exit 0; fi
if ! command -v apt-get >/dev/null; then
  echo "promtool is missing: install Prometheus' promtool (github.com/prometheus/prometheus/cmd/promtool)" >&2
  exit 1
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && apt-get download -qq prometheus 2>&1 | grep -v "unsandboxed" >&2 || true; ls "$work"/prometheus_*.deb >/dev/null 2>&1) || {
  echo "cannot download Debian's prometheus package for promtool (apt-get update first?)" >&2; exit 1; }
mkdir -p "$tools/bin"
dpkg-deb --fsys-tarfile "$work"/prometheus_*.deb | tar -x -C "$work" ./usr/bin/promtool
mv "$work/usr/bin/promtool" "$tools/bin/promtool"
echo "$tools/bin/promtool"
