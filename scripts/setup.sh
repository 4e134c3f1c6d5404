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
  webkit2gtk-driver                       # WebKitWebDriver, behind tauri-driver, for the e2e test
  imagemagick                             # `import`: the e2e test's screenshots of the window
  gnome-keyring                           # a real Secret Service for the OS keyring test
  chromium                                # the visitor's browser in the widget tests
  poppler-utils                           # pdftotext and pdftoppm: the report PDF tests
  libharfbuzz-bin                         # hb-shape: the reference shaper the PDF test compares with
  p7zip-full                              # 7z: opens the encrypted client export in its tests
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

# The desk UI is built with Vite 8, which needs Node 20.19 or newer (Debian 12's own nodejs
# package is 18): https://nodejs.org or the NodeSource packages.
if ! node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' 2>/dev/null; then
  echo "setup: Node.js 20.19 or newer is required (found: $(node --version 2>/dev/null || echo none))" >&2
  exit 1
fi

# npm packages, exactly as locked, whenever the lock file changed since the last install.
ROOT=$(cd "$(dirname "$0")/.." && pwd)
for dir in ui/desk ui/widget tests/e2e; do
  if [ ! -f "$ROOT/$dir/node_modules/.package-lock.json" ] \
     || [ "$ROOT/$dir/package-lock.json" -nt "$ROOT/$dir/node_modules/.package-lock.json" ]; then
    echo "setup: npm ci in $dir"
    (cd "$ROOT/$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
done

# tauri-driver drives the desk window over WebDriver in the e2e test.
if ! command -v tauri-driver >/dev/null && [ ! -x "$HOME/.cargo/bin/tauri-driver" ]; then
  echo "setup: cargo install tauri-driver"
  cargo install tauri-driver --version '^2' --locked --quiet
fi
