#!/usr/bin/env bash
# Runs the seed page's curl, Python, JavaScript and Go examples against an already running
# goodtake. Needs GOODTAKE_BASE_URL, GOODTAKE_API_KEY and GOODTAKE_EXAMPLE_IMAGE_URL (see
# README.md). A language whose toolchain is missing is skipped with a visible "SKIPPED:" line;
# the exit code is non-zero if any example that ran failed.
set -uo pipefail

: "${GOODTAKE_BASE_URL:?set GOODTAKE_BASE_URL, e.g. http://localhost:8080}"
: "${GOODTAKE_API_KEY:?set GOODTAKE_API_KEY to a gt_... key}"
: "${GOODTAKE_EXAMPLE_IMAGE_URL:?set GOODTAKE_EXAMPLE_IMAGE_URL to an http(s) URL of a JPEG/PNG/WebP}"
export GOODTAKE_BASE_URL GOODTAKE_API_KEY GOODTAKE_EXAMPLE_IMAGE_URL

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
failed=()

run() {
  local name=$1
  shift
  echo "== $name"
  if "$@"; then
    echo "== $name: OK"
  else
    echo "== $name: FAILED (exit $?)"
    failed+=("$name")
  fi
}

if ! command -v curl >/dev/null 2>&1; then
  echo "SKIPPED: curl not found"
elif ! command -v node >/dev/null 2>&1 && ! command -v python3 >/dev/null 2>&1; then
  echo "SKIPPED: curl examples need node or python3 to check the responses; neither found"
else
  run curl bash "$here/curl.sh"
fi

if command -v python3 >/dev/null 2>&1 && python3 -c 'import requests' >/dev/null 2>&1; then
  run python python3 "$here/example.py"
else
  echo "SKIPPED: python3 with requests not found"
fi

if command -v node >/dev/null 2>&1 && node -e 'process.exit(typeof fetch === "function" ? 0 : 1)'; then
  run javascript node "$here/example.mjs"
else
  echo "SKIPPED: node with global fetch (18+) not found"
fi

if command -v go >/dev/null 2>&1 && go version >/dev/null 2>&1; then
  # Standard library only: no module downloads needed. `go run` builds into Go's cache, not here.
  run go bash -c 'cd "$1" && GOFLAGS=-mod=mod GOPROXY=off go run .' go "$here/go"
else
  echo "SKIPPED: go not found"
fi

if ((${#failed[@]})); then
  echo "FAILED: ${failed[*]}"
  exit 1
fi
echo "all examples that ran succeeded"
