#!/usr/bin/env bash
# The widget in a real Chromium against a real relay and a real desk (tests/e2e/widget.test.mjs).
# Usage: tests/widget_e2e.sh BIN_DIR   (the cargo target dir holding frontdesk-relay and -admin)
# With FRONTDESK_SCREENSHOTS set, the widget in each language is saved there (widget-<lang>.png).
set -euo pipefail
cd "$(dirname "$0")/e2e"
export BIN_DIR="${1:?give the directory with frontdesk-relay and frontdesk-admin}"
exec node --test --test-concurrency=1 widget.test.mjs privacy.test.mjs
