#!/usr/bin/env bash
# The OS keyring test, against a real Secret Service: gnome-keyring, unlocked, on a private
# D-Bus session, with its keyring files in a throwaway folder.
set -euo pipefail
export NO_AT_BRIDGE=1
XDG_DATA_HOME=$(mktemp -d)
export XDG_DATA_HOME
trap 'rm -rf "$XDG_DATA_HOME"' EXIT
dbus-run-session -- bash -c '
  printf "frontdesk-test-keyring" | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1
  cargo test -p frontdesk-core --test it the_os_keyring -- --include-ignored
' 2> >(grep -v "Failed to set fd limit" >&2)
