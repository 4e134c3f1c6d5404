#!/usr/bin/env bash
# The desk app opens a real window: started under Xvfb on its own D-Bus session, it must map
# a top-level window titled "Frontdesk" and keep running until it is closed.
set -euo pipefail
APP=${1:?usage: desk_window.sh PATH-TO-frontdesk}
export NO_AT_BRIDGE=1
LOG=$(mktemp)
trap 'rm -f "$LOG"' EXIT
# The session bus and the app talk a lot on stderr (portals, PipeWire); keep it for failures.
xvfb-run -a -s "-screen 0 1366x768x24" dbus-run-session -- bash -c '
  "$0" 2>>"$1" &
  pid=$!
  found=""
  for _ in $(seq 1 120); do
    if ! kill -0 $pid 2>/dev/null; then echo "desk_window: the app exited early" >&2; break; fi
    if xwininfo -root -tree 2>/dev/null | grep -q "\"Frontdesk\""; then found=yes; break; fi
    sleep 0.5
  done
  alive=no; kill -0 $pid 2>/dev/null && alive=yes
  kill $pid 2>/dev/null || true
  wait $pid 2>/dev/null || true
  if [ "$found" = yes ] && [ "$alive" = yes ]; then
    echo "desk-window: 1 passed, 0 failed"
  else
    echo "desk-window: 0 passed, 1 failed (no \"Frontdesk\" window appeared)"
    exit 1
  fi
' "$APP" "$LOG" 2>>"$LOG" || { cat "$LOG" >&2; exit 1; }
