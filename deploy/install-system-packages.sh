#!/usr/bin/env bash
# The Debian packages the README's two commands need, installed when missing, so `make demo` and `make test` work
# on a fresh machine: a JDK and Maven for Kafka (the stack resolves Kafka's jars with `mvn`), and with --tests
# poppler-utils (the generation tests read the PDFs' text layer with pdftotext/pdfinfo) and chromium (the web
# client's end-to-end test drives it headless through Playwright, which never downloads browsers of its own).
# Redis and PostgreSQL come from the locked Python wheels, so they are not here. As root it runs apt-get itself, else through `sudo -n`;
# when neither can, it stops and says what to install.
set -euo pipefail

missing=()
command -v java >/dev/null || missing+=(openjdk-17-jre-headless)
command -v mvn >/dev/null || missing+=(maven)
if [[ "${1:-}" == --tests ]]; then
  { command -v pdftotext && command -v pdfinfo; } >/dev/null || missing+=(poppler-utils)
  [[ -x /usr/bin/chromium ]] || missing+=(chromium)
fi
((${#missing[@]})) || exit 0

if ! command -v apt-get >/dev/null; then
  echo "missing: ${missing[*]} (Debian package names); install them with this system's package manager" >&2
  exit 1
fi
as_root=()
if [[ "$(id -u)" != 0 ]]; then
  if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    as_root=(sudo -n)
  else
    echo "missing system packages: ${missing[*]}. Install them as root: apt-get install ${missing[*]}" >&2
    exit 1
  fi
fi
echo "installing the system packages this machine lacks: ${missing[*]}"
# Wait for another apt (a new VM's unattended-upgrades, a second install) instead of failing at once on its lock:
# a CI run here failed in 19 s on "Could not get lock /var/lib/dpkg/lock-frontend".
wait_lock=(-o DPkg::Lock::Timeout=600)
"${as_root[@]}" apt-get "${wait_lock[@]}" update -qq
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get "${wait_lock[@]}" install -y -qq --no-install-recommends \
  "${missing[@]}" \
  >/dev/null
