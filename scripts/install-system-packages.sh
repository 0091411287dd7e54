#!/usr/bin/env bash
# Debian packages the test suite drives for real, each for a reason printed before anything is
# installed. Installed when missing: as root with apt-get, else with sudo when it needs no password;
# otherwise the command to run is printed. With arguments, only those packages (`npm run bench` needs
# nginx alone, for its cluster figure).
#
# TESSERA_SKIP_SYSTEM_PACKAGES=1 installs nothing; vitest.config.ts then leaves out the test files
# that need nginx or Chromium, and every other suite runs.
set -euo pipefail

if [ "${TESSERA_SKIP_SYSTEM_PACKAGES:-}" = "1" ]; then
  echo "TESSERA_SKIP_SYSTEM_PACKAGES=1: installing no system package; the tests that need nginx or Chromium are left out (see vitest.config.ts)"
  exit 0
fi

reason() {
  case "$1" in
    nginx) echo "the load-balancer test runs two Tessera nodes behind a real nginx (test/cluster/load-balancer.test.ts)" ;;
    chromium) echo "the browser tests drive headless Chromium through the guides, the sign-in pages, the landing page and the console (test/e2e/)" ;;
    curl) echo "the guides' commands are curl commands, run as written (test/e2e/)" ;;
    openssl) echo "the revocation tests run a CA and an OCSP responder with openssl (plugins/certificate-revocation/test), and the truststore test runs the command Tessera prints to convert a PKCS#12 file" ;;
  esac
}

wanted=("$@")
[ ${#wanted[@]} -eq 0 ] && wanted=(nginx chromium curl openssl)
missing=()
for package in "${wanted[@]}"; do
  case "$package" in
    nginx) command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx) ;;
    chromium) [ -x /usr/bin/chromium ] || missing+=(chromium) ;;
    curl) command -v curl >/dev/null 2>&1 || missing+=(curl) ;;
    openssl) command -v openssl >/dev/null 2>&1 || missing+=(openssl) ;;
    *) echo "install-system-packages.sh: unknown package $package" >&2; exit 2 ;;
  esac
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "tessera tests need these Debian packages, missing here:"
for package in "${missing[@]}"; do echo "  $package: $(reason "$package")"; done

if [ "$(id -u)" -eq 0 ]; then
  run=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  run=(sudo)
else
  echo "not root, and sudo asks for a password: install them with" >&2
  echo "  sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
  echo "or run the tests that need neither nginx nor Chromium: TESSERA_SKIP_SYSTEM_PACKAGES=1 npm test" >&2
  exit 1
fi
echo "installing with ${run[*]:-}${run[*]:+ }apt-get install -y --no-install-recommends ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${run[@]}" apt-get update -qq
"${run[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# The packaged nginx service is not wanted: tests start their own nginx with their own config.
if [[ " ${missing[*]} " == *" nginx "* ]] && command -v service >/dev/null 2>&1; then "${run[@]}" service nginx stop >/dev/null 2>&1 || true; fi
