#!/usr/bin/env bash
# Installs the non-Python programs the test suite drives for real: redis-server, PostgreSQL (the
# tests start their own server with initdb + pg_ctl; no service needs to run), headless Chromium,
# a Java runtime and the Nu HTML Checker (vnu.jar from npm). Stops with a clear message when it
# cannot install something (not root, no apt), instead of letting tests skip silently.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)

need_apt=()
command -v redis-server >/dev/null 2>&1 || need_apt+=(redis-server)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need_apt+=(postgresql)
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v java >/dev/null 2>&1 || need_apt+=(default-jre-headless)
command -v npm >/dev/null 2>&1 || need_apt+=(npm)
command -v fc-list >/dev/null 2>&1 && fc-list :lang=zh | grep -q . || need_apt+=(fonts-noto-cjk)

if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing system packages: ${need_apt[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
  else
    echo "missing system packages: ${need_apt[*]}" >&2
    echo "install them with: sudo apt-get install ${need_apt[*]}" >&2
    exit 1
  fi
fi

# The Nu HTML Checker, pinned, into a project-local folder.
if [ ! -f "$here/.tools/node_modules/vnu-jar/build/dist/vnu.jar" ]; then
  mkdir -p "$here/.tools"
  (cd "$here/.tools" && npm install --silent --no-audit --no-fund vnu-jar@26 >/dev/null)
fi
echo "system dependencies ready"
