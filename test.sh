#!/usr/bin/env bash
# The project's one test command: builds the solution and runs every test project, then prints the totals
# on a line of their own ("N passed, N failed[, N skipped]"). Installs what the tests need when it is missing.
set -euo pipefail
cd "$(dirname "$0")"

# Installs a Debian package the tests need, or ends the run with a line saying what to install.
apt_install() {
  local package=$1 why=$2
  echo "test.sh: installing $package from apt $why" >&2
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
      sudo="sudo"
    else
      echo "test.sh: $package is missing and this user cannot install it (not root, no sudo): install the $package package, then run ./test.sh again." >&2
      echo "0 passed, 1 failed"
      exit 1
    fi
  fi
  if ! { $sudo apt-get update -qq && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$package"; } >&2; then
    echo "test.sh: could not install $package with apt-get: install the $package package, then run ./test.sh again." >&2
    echo "0 passed, 1 failed"
    exit 1
  fi
}

# tests/NymAspire.Deployment.Tests renders deploy/kubernetes with `kubectl kustomize` (offline; no cluster needed).
if ! command -v kubectl >/dev/null 2>&1; then
  apt_install kubectl "for the deployment tests"
fi

# tests/Nym.Client.Tests drives nym-client from Python with Debian's websockets package, through /usr/bin/python3
# (the python3 first on PATH may be another install that does not see Debian's packages).
if ! /usr/bin/python3 -c 'import websockets' >/dev/null 2>&1; then
  apt_install python3-websockets "for the nym-client tests that drive it from Python"
  if ! /usr/bin/python3 -c 'import websockets' >/dev/null 2>&1; then
    echo "test.sh: /usr/bin/python3 still cannot import websockets after installing python3-websockets: check that python3 is Debian's, then run ./test.sh again." >&2
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
