#!/usr/bin/env bash
# Every check CreatorData has, in the order a failure is cheapest to find.
set -euo pipefail
cd "$(dirname "$0")/.."

step() {
	printf '\n=== %s\n' "$1"
}

step 'Chromium for the browser tests'
bash scripts/ensure-chromium.sh

step 'Types (svelte-check)'
npm run check

step 'Formatting and lint (Prettier, ESLint)'
npm run lint

step 'Unit tests (machines and helpers)'
npx vitest run --project unit

step 'Production build'
npm run build

step 'Integration tests (the built server over HTTP and WebSocket)'
npx vitest run --project integration

step 'End-to-end tests (Chromium)'
npx playwright test
