#!/usr/bin/env bash
# Installs what a fresh Debian 12 machine lacks to build, run and test Frontdesk.
# Safe to run again: it only installs what is missing.
set -euo pipefail

APT_PACKAGES=(
  build-essential pkg-config libssl-dev   # SQLCipher links Debian's libcrypto
  libwebkit2gtk-4.1-dev                   # the Tauri desk window
  libdbus-1-dev                           # the OS keyring (Secret Service)
  binutils                                # `strings`, used by the at-rest tests
  xvfb xauth x11-utils dbus dbus-daemon   # the desk window under a virtual display in tests
  gnome-keyring                           # a real Secret Service for the OS keyring test
)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
command -v cargo >/dev/null || { echo "setup: Rust (cargo) is required: https://rustup.rs" >&2; exit 1; }
