#!/usr/bin/env bash
# The desk app's benchmarks (tests/e2e/bench.mjs) against the 100,000-client demo clinic and a
# calendar clinic, in the real window under Xvfb with a real Secret Service. The clinics are
# made once and kept in the Cargo target folder. Not part of `make test`: figures are recorded
# in BENCHMARKS.md. FRONTDESK_BENCH_ONLY=calendar runs the calendar's measure alone.
set -euo pipefail
APP=${1:?usage: desk_bench.sh PATH-TO-frontdesk}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
export FRONTDESK_APP=$(cd "$(dirname "$APP")" && pwd)/$(basename "$APP")
ADMIN=$(dirname "$FRONTDESK_APP")/frontdesk-admin
BENCH_DIR=$(dirname "$FRONTDESK_APP")/../bench-clinic-100k
export FRONTDESK_BENCH_DB=$BENCH_DIR/clinic.db
export FRONTDESK_PASSPHRASE="bench recovery passphrase"
export FRONTDESK_ADMIN_PASSWORD="bench-admin-password"
if [ ! -f "$FRONTDESK_BENCH_DB" ]; then
  mkdir -p "$BENCH_DIR"
  "$ADMIN" --db "$FRONTDESK_BENCH_DB" init --clinic "Bench Clinic" --admin admin --admin-name "Bench Admin" \
    --time-zone Asia/Phnom_Penh --phone-region KH >/dev/null
  "$ADMIN" --db "$FRONTDESK_BENCH_DB" demo --clients 100000 >/dev/null
fi
# The calendar's clinic: ten providers (the demo's three clinicians and seven more, all on the
# default Monday-to-Friday hours) and the demo calendar over the past 2,000 days, about
# 150,000 appointments, as in the core's calendar benchmark.
CAL_DIR=$(dirname "$FRONTDESK_APP")/../bench-calendar-150k
export FRONTDESK_BENCH_CALENDAR_DB=$CAL_DIR/clinic.db
if [ ! -f "$FRONTDESK_BENCH_CALENDAR_DB" ]; then
  mkdir -p "$CAL_DIR"
  "$ADMIN" --db "$FRONTDESK_BENCH_CALENDAR_DB" init --clinic "Bench Calendar Clinic" --admin admin --admin-name "Bench Admin" \
    --time-zone Asia/Phnom_Penh --phone-region KH >/dev/null
  for i in 0 1 2 3 4 5 6; do
    FRONTDESK_STAFF_PASSWORD=bench-provider-password "$ADMIN" --db "$FRONTDESK_BENCH_CALENDAR_DB" staff add \
      --login "provider$i" --name "Provider $i" --role clinician >/dev/null
  done
  "$ADMIN" --db "$FRONTDESK_BENCH_CALENDAR_DB" demo --clients 20000 --appointment-days 2000 --seed 7 | grep -i appointment >&2
fi
export NO_AT_BRIDGE=1
XDG_DATA_HOME=$(mktemp -d)
export XDG_DATA_HOME
trap 'rm -rf "$XDG_DATA_HOME"' EXIT
PATH="$HOME/.cargo/bin:$PATH"
cd "$ROOT"
xvfb-run -a -s "-screen 0 1366x768x24" dbus-run-session -- bash -c '
  printf "frontdesk-bench-keyring" | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1
  tauri-driver --port 4444 >/dev/null 2>&1 &
  driver=$!
  for _ in $(seq 1 50); do (echo > /dev/tcp/127.0.0.1/4444) 2>/dev/null && break; sleep 0.2; done
  node tests/e2e/bench.mjs
  rc=$?
  kill $driver 2>/dev/null; wait $driver 2>/dev/null
  exit $rc
' 2> >(grep -v "Failed to set fd limit\|dbus-daemon\|portal\|PipeWire\|pw.conf\|RealtimeKit\|max threads\|^$\|SpiRegistry\|xdg-desktop" >&2)
