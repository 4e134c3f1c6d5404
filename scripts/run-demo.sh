#!/usr/bin/env bash
# Builds everything, makes a demo clinic (once) and starts the desk app.
set -euo pipefail
cd "$(dirname "$0")/.."
DEMO_DIR=${FRONTDESK_DEMO_DIR:-demo}
DB="$DEMO_DIR/clinic.db"
export FRONTDESK_PASSPHRASE=${FRONTDESK_PASSPHRASE:-demo recovery passphrase}
export FRONTDESK_ADMIN_PASSWORD=${FRONTDESK_ADMIN_PASSWORD:-demo-admin-password}
(cd ui/desk && npx vite build --logLevel warn)
(cd ui/widget && npx vite build --logLevel warn)
cargo build --workspace
ADMIN="${CARGO_TARGET_DIR:-target}/debug/frontdesk-admin"
if [ ! -f "$DB" ]; then
  mkdir -p "$DEMO_DIR"
  "$ADMIN" --db "$DB" init --clinic "Mekong Family Clinic" --admin admin --admin-name "Clinic Admin" \
    --time-zone Asia/Phnom_Penh --phone-region KH
  "$ADMIN" --db "$DB" demo --clients "${FRONTDESK_DEMO_CLIENTS:-2000}" --history-days 90
fi
"$ADMIN" --db "$DB" audit verify
echo "Demo clinic: $DB"
echo "  First start on this PC: unlock with the recovery passphrase \"$FRONTDESK_PASSPHRASE\""
echo "  Receptionist login: \"demo.dara\", password \"${FRONTDESK_DEMO_PASSWORD:-frontdesk-demo}\""
RELAY=${FRONTDESK_DEMO_RELAY:-127.0.0.1:8787}
echo "  Website chat: the desk runs a relay on $RELAY; open http://$RELAY/demo in a browser"
echo "  and chat with the clinic (Website chat in the desk shows it)."
exec "${CARGO_TARGET_DIR:-target}/debug/frontdesk" --db "$DB" --relay-listen "$RELAY"
