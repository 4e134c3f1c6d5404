#!/usr/bin/env bash
# Two desks in one clinic, end to end, each in its real window: the host desk and a connected
# desk, both the built app, on 127.0.0.1 under one Xvfb display and one private D-Bus session.
# Each window has its own tauri-driver (ports 4444 and 4446, WebKitWebDriver on 4445 and
# 4447). The session's notification server is the recording listener, which writes each
# popup with the process id that asked for it, so the test can tell which desk popped up.
# tests/e2e/lan.test.mjs drives both windows.
set -euo pipefail
APP=${1:?usage: lan_e2e.sh PATH-TO-frontdesk}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
export FRONTDESK_APP=$(cd "$(dirname "$APP")" && pwd)/$(basename "$APP")
export NO_AT_BRIDGE=1
export FRONTDESK_NOTIFY_LISTENER=${FRONTDESK_NOTIFY_LISTENER:-$(dirname "$FRONTDESK_APP")/frontdesk-notify-listener}
for bin in "$FRONTDESK_NOTIFY_LISTENER" "$(dirname "$FRONTDESK_APP")/frontdesk-admin"; do
  if [ ! -x "$bin" ]; then
    echo "lan-e2e: $bin is missing; build it with: cargo build --workspace --bins && cargo build -p frontdesk-notify --features listener --bins" >&2
    exit 1
  fi
done
XDG_DATA_HOME=$(mktemp -d)
export XDG_DATA_HOME
LOG=$(mktemp)
REC_DIR=$(mktemp -d)
export FRONTDESK_NOTIFY_RECORD=$REC_DIR/notify.jsonl
trap 'rm -rf "$XDG_DATA_HOME" "$LOG" "$REC_DIR"' EXIT
PATH="$HOME/.cargo/bin:$PATH"
cd "$ROOT"
set +e
xvfb-run -a -s "-screen 0 1366x768x24" dbus-run-session -- bash -c '
  REC=$FRONTDESK_NOTIFY_RECORD
  "$FRONTDESK_NOTIFY_LISTENER" "$REC" >"$REC.out" 2>>"$1" &
  listener=$!
  for _ in $(seq 1 100); do
    grep -qx ready "$REC.out" 2>/dev/null && break
    sleep 0.1
  done
  if ! grep -qx ready "$REC.out" 2>/dev/null; then
    echo "lan-e2e: the notification listener did not start" >&2
    exit 1
  fi
  tauri-driver --port 4444 --native-port 4445 >>"$1" 2>&1 &
  host_driver=$!
  tauri-driver --port 4446 --native-port 4447 >>"$1" 2>&1 &
  desk_driver=$!
  for p in 4444 4446; do
    for _ in $(seq 1 50); do
      (echo > /dev/tcp/127.0.0.1/$p) 2>/dev/null && break
      sleep 0.2
    done
  done
  node --test --test-concurrency=1 --test-reporter=spec tests/e2e/lan.test.mjs
  rc=$?
  kill $host_driver $desk_driver 2>/dev/null; wait $host_driver $desk_driver 2>/dev/null
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
echo "lan-e2e: ${pass:-0} passed, ${fail:-1} failed"
exit "$rc"
