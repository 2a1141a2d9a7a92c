#!/usr/bin/env bash
# The console browser tests drive a real headless browser: Debian's chromium, through playwright-core.
# Installs it when it is missing and this user may (root, as on CI); otherwise says how.
set -euo pipefail
if [ -n "${STEWARD_CHROMIUM:-}" ] && [ -x "${STEWARD_CHROMIUM}" ]; then exit 0; fi
if command -v chromium >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "steward: installing Debian's chromium for the browser tests" >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) || {
    echo "steward: could not install chromium; install it (apt-get install chromium) or set STEWARD_CHROMIUM" >&2
    exit 1
  }
  exit 0
fi
echo "steward: the browser tests need chromium: run 'sudo apt-get install chromium' or set STEWARD_CHROMIUM" >&2
exit 1
