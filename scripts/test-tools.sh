#!/usr/bin/env bash
# Runs before `npm test` (pretest) and in CI: installs the Debian packages the tests drive when they are missing,
# so a fresh machine of this kind runs the whole suite with no step by hand:
#   chromium        the GraphiQL browser test (Debian's build; test tools never download a browser)
#   docker-compose  validates docker-compose.yml (`docker-compose config -q`; no Docker engine needed)
# Without root or apt it says what is missing; the tests that need it then fail, saying so. They never skip.
set -uo pipefail
missing=()
command -v "${CHROMIUM_PATH:-chromium}" >/dev/null 2>&1 || [ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] || missing+=(chromium)
command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)
[ "${#missing[@]}" -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing ${missing[*]} (Debian packages the tests need)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null && exit 0
  echo "could not install ${missing[*]}: the tests that need them will fail" >&2
else
  echo "missing ${missing[*]}: install them (apt-get install -y ${missing[*]}); the tests that need them will fail" >&2
fi
exit 0
