#!/usr/bin/env bash
# The project's one test command: builds the solution and runs every test project, then prints the totals
# on a line of their own ("N passed, N failed[, N skipped]"). Installs what the tests need when it is missing.
set -euo pipefail
cd "$(dirname "$0")"

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
