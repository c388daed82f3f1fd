#!/usr/bin/env bash
# The e2e tests drive Debian's Chromium; install it when this machine does not have it yet.
set -euo pipefail

chromium="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ -x "$chromium" ]; then
	exit 0
fi

echo "Chromium not found at $chromium; installing Debian's chromium package..."
as_root=()
if [ "$(id -u)" -ne 0 ]; then
	as_root=(sudo)
fi
"${as_root[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq --no-install-recommends chromium
