#!/usr/bin/env bash
# The desk app end to end in a real window: Xvfb at 1366x768, a private D-Bus session with an
# unlocked gnome-keyring (a real Secret Service), tauri-driver in front of WebKitWebDriver,
# and tests/e2e/desk.test.mjs driving it. Screenshots go to $FRONTDESK_SCREENSHOTS
# (default: <target>/e2e-screenshots); `make screenshots` copies a current set into
# docs/screenshots/.
set -euo pipefail
APP=${1:?usage: desk_e2e.sh PATH-TO-frontdesk}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
export FRONTDESK_APP=$(cd "$(dirname "$APP")" && pwd)/$(basename "$APP")
export FRONTDESK_SCREENSHOTS=${FRONTDESK_SCREENSHOTS:-$(dirname "$FRONTDESK_APP")/../e2e-screenshots}
export NO_AT_BRIDGE=1
XDG_DATA_HOME=$(mktemp -d)
export XDG_DATA_HOME
LOG=$(mktemp)
trap 'rm -rf "$XDG_DATA_HOME" "$LOG"' EXIT
PATH="$HOME/.cargo/bin:$PATH"
cd "$ROOT"
set +e
xvfb-run -a -s "-screen 0 1366x768x24" dbus-run-session -- bash -c '
  printf "frontdesk-e2e-keyring" | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1
  tauri-driver --port 4444 >>"$1" 2>&1 &
  driver=$!
  for _ in $(seq 1 50); do
    (echo > /dev/tcp/127.0.0.1/4444) 2>/dev/null && break
    sleep 0.2
  done
  node --test --test-concurrency=1 --test-reporter=spec ${E2E_ONLY:+--test-name-pattern="$E2E_ONLY"} tests/e2e/desk.test.mjs
  rc=$?
  kill $driver 2>/dev/null; wait $driver 2>/dev/null
  exit $rc
' _ "$LOG" 2> >(grep -v "Failed to set fd limit" >&2) | tee -a "$LOG.out"
rc=${PIPESTATUS[0]}
set -e
pass=$(sed -n 's/^ℹ pass \([0-9]*\)$/\1/p' "$LOG.out")
fail=$(sed -n 's/^ℹ fail \([0-9]*\)$/\1/p' "$LOG.out")
rm -f "$LOG.out"
if [ "$rc" -ne 0 ]; then
  echo "--- tauri-driver log ---" >&2
  tail -50 "$LOG" >&2
fi
echo "desk-e2e: ${pass:-0} passed, ${fail:-1} failed"
exit "$rc"
