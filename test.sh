#!/usr/bin/env bash
# The project's one test command: builds the solution and runs every test project, then prints the totals
# on a line of their own ("N passed, N failed[, N skipped]"). Installs what the tests need when it is missing.
set -euo pipefail
cd "$(dirname "$0")"

# tests/NymAspire.Deployment.Tests renders deploy/kubernetes with `kubectl kustomize` (offline; no cluster needed).
if ! command -v kubectl >/dev/null 2>&1; then
  echo "test.sh: installing kubectl from apt for the deployment tests" >&2
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
      sudo="sudo"
    else
      echo "test.sh: kubectl is missing and this user cannot install it (not root, no sudo): install the kubectl package, then run ./test.sh again." >&2
      echo "0 passed, 1 failed"
      exit 1
    fi
  fi
  if ! { $sudo apt-get update -qq && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq kubectl; } >&2; then
    echo "test.sh: could not install kubectl with apt-get: install the kubectl package, then run ./test.sh again." >&2
    echo "0 passed, 1 failed"
    exit 1
  fi
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT

status=0
dotnet test --solution NymAspire.sln "$@" 2>&1 | tee "$log" || status=$?

# Microsoft.Testing.Platform ends with a summary: "total: N", "failed: N", "succeeded: N", "skipped: N".
count() { grep -E "^\s*$1: [0-9]+" "$log" | tail -n 1 | grep -oE '[0-9]+' || echo 0; }
passed=$(count succeeded)
failed=$(count failed)
skipped=$(count skipped)

if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  # The build or the runner failed before any test could: count that as one failure so it cannot pass unseen.
  failed=1
fi

if [ "$skipped" -gt 0 ]; then
  echo "$passed passed, $failed failed, $skipped skipped"
else
  echo "$passed passed, $failed failed"
fi
exit "$status"
