#!/usr/bin/env bash
# The desk app end to end in a real window: Xvfb at 1366x768, a private D-Bus session with an
# unlocked gnome-keyring (a real Secret Service), tauri-driver in front of WebKitWebDriver,
# and tests/e2e/desk.test.mjs driving it. The session's notification server is the recording
# listener (frontdesk-notify-listener, next to the app: `cargo build -p frontdesk-notify
# --features listener --bins`): every OS popup the desk shows is a JSON line in
# $FRONTDESK_NOTIFY_RECORD, and an id written to "$FRONTDESK_NOTIFY_RECORD.click" clicks it.
# Screenshots go to $FRONTDESK_SCREENSHOTS
# (default: <target>/e2e-screenshots); `make screenshots` copies a current set into
# docs/screenshots/.
set -euo pipefail
APP=${1:?usage: desk_e2e.sh PATH-TO-frontdesk}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
export FRONTDESK_APP=$(cd "$(dirname "$APP")" && pwd)/$(basename "$APP")
export FRONTDESK_SCREENSHOTS=${FRONTDESK_SCREENSHOTS:-$(dirname "$FRONTDESK_APP")/../e2e-screenshots}
export NO_AT_BRIDGE=1
export FRONTDESK_NOTIFY_LISTENER=${FRONTDESK_NOTIFY_LISTENER:-$(dirname "$FRONTDESK_APP")/frontdesk-notify-listener}
if [ ! -x "$FRONTDESK_NOTIFY_LISTENER" ]; then
  echo "desk-e2e: $FRONTDESK_NOTIFY_LISTENER is missing; build it with: cargo build -p frontdesk-notify --features listener --bins" >&2
  exit 1
fi
XDG_DATA_HOME=$(mktemp -d)
export XDG_DATA_HOME
# Report files the desk saves (instead of the user's Downloads folder).
FRONTDESK_EXPORT_DIR=$(mktemp -d)
export FRONTDESK_EXPORT_DIR
LOG=$(mktemp)
REC_DIR=$(mktemp -d)
export FRONTDESK_NOTIFY_RECORD=$REC_DIR/notify.jsonl
trap 'rm -rf "$XDG_DATA_HOME" "$FRONTDESK_EXPORT_DIR" "$LOG" "$REC_DIR"' EXIT
PATH="$HOME/.cargo/bin:$PATH"
# The driver's port: another WebDriver session on this PC (a second run, another project) must
# not answer for this one.
E2E_PORT=${E2E_PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
export E2E_PORT
export TAURI_DRIVER_URL=http://127.0.0.1:$E2E_PORT/
cd "$ROOT"
set +e
xvfb-run -a -s "-screen 0 1366x768x24" dbus-run-session -- bash -c '
  printf "frontdesk-e2e-keyring" | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1
  # The notification server, before anything that could show a popup.
  REC=$FRONTDESK_NOTIFY_RECORD
  "$FRONTDESK_NOTIFY_LISTENER" "$REC" >"$REC.out" 2>>"$1" &
  listener=$!
  for _ in $(seq 1 100); do
    grep -qx ready "$REC.out" 2>/dev/null && break
    sleep 0.1
  done
  if ! grep -qx ready "$REC.out" 2>/dev/null; then
    echo "desk-e2e: the notification listener did not start" >&2
    exit 1
  fi
  tauri-driver --port "$E2E_PORT" --native-port "$((E2E_PORT + 1))" >>"$1" 2>&1 &
  driver=$!
  for _ in $(seq 1 50); do
    (echo > /dev/tcp/127.0.0.1/$E2E_PORT) 2>/dev/null && break
    sleep 0.2
  done
  node --test --test-concurrency=1 --test-reporter=spec ${E2E_ONLY:+--test-name-pattern="$E2E_ONLY"} tests/e2e/desk.test.mjs
  rc=$?
  kill $driver 2>/dev/null; wait $driver 2>/dev/null
  kill $listener 2>/dev/null; wait $listener 2>/dev/null
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
