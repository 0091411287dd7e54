#!/usr/bin/env bash
# Debian packages the test suite drives for real: nginx (the load-balancer test), chromium (the
# browser end-to-end tests), curl (the guides' commands) and openssl (the revocation tests' CA and
# OCSP responder). Installed when missing; needs root (as on CI) or a prior manual install.
# With arguments, only those of the four (`npm run bench` needs nginx alone, for its cluster figure).
set -euo pipefail
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
if [ "$(id -u)" -ne 0 ]; then
  echo "tessera tests need: ${missing[*]} — install them with: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# The packaged nginx service is not wanted: tests start their own nginx with their own config.
if command -v service >/dev/null 2>&1; then service nginx stop >/dev/null 2>&1 || true; fi
