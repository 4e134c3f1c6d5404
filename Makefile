# The two entry points. Both install what is missing first (scripts/setup.sh).
export CARGO_TARGET_DIR ?= $(HOME)/.cache/frontdesk-target
APP := $(CARGO_TARGET_DIR)/debug/frontdesk

.PHONY: run test setup ui widget bench screenshots

run: setup
	scripts/run-demo.sh

test: setup ui widget
	@if cargo fmt --version >/dev/null 2>&1; then cargo fmt --all -- --check; \
	else echo "make test: rustfmt is not installed; skipping the format check"; fi
	cd ui/desk && npx svelte-check --tsconfig ./tsconfig.json --fail-on-warnings
	cd ui/desk && npx vitest run
	cd ui/widget && npx tsc --noEmit && npx vitest run && node scripts/size.mjs
	cargo build --workspace --bins
	cargo build -p frontdesk-notify --features listener --bins
	cargo test --workspace
	cargo test -p frontdesk --features ts --lib bindings
	cargo build -p frontdesk
	tests/os_keyring.sh
	tests/popups.sh
	tests/desk_e2e.sh $(APP)
	tests/lan_e2e.sh $(APP)
	tests/widget_e2e.sh $(CARGO_TARGET_DIR)/debug

setup:
	scripts/setup.sh

# The desk UI, built into ui/desk/dist, which the desk app embeds when it is compiled.
ui:
	cd ui/desk && npx vite build --logLevel warn

# The chat widget, built into ui/widget/dist/widget.js, which the relay embeds.
widget:
	cd ui/widget && npx vite build --logLevel warn

bench: setup ui widget
	cargo bench -p frontdesk-core --features bench-plaintext --bench clinic
	cargo bench -p frontdesk-core --bench appointments
	cargo bench -p frontdesk-core --bench privacy
	FRONTDESK_BENCH_REPORT_OUT=$(CARGO_TARGET_DIR)/bench-report-year.json cargo bench -p frontdesk-core --bench reports
	FRONTDESK_BENCH_REPORT=$(CARGO_TARGET_DIR)/bench-report-year.json cargo bench -p frontdesk-pdf --bench render
	cargo build --release -p frontdesk -p frontdesk-admin
	tests/desk_bench.sh $(CARGO_TARGET_DIR)/release/frontdesk
	cargo build --release -p frontdesk-relay --bins
	cargo build --release -p frontdesk-host --example relay_load
	$(CARGO_TARGET_DIR)/release/examples/relay_load $(CARGO_TARGET_DIR)/release/frontdesk-relay
	NO_AT_BRIDGE=1 dbus-run-session -- $(CARGO_TARGET_DIR)/release/examples/relay_load $(CARGO_TARGET_DIR)/release/frontdesk-relay popup
	cargo bench -p frontdesk-core --bench routing
	cargo build --release -p frontdesk-host --example lan_load
	$(CARGO_TARGET_DIR)/release/examples/lan_load $(CARGO_TARGET_DIR)/release/frontdesk-admin
	cd ui/widget && node scripts/size.mjs

# A current set of screenshots of the main screens for the README.
screenshots: setup ui widget
	cargo build -p frontdesk
	FRONTDESK_SCREENSHOTS=$(CURDIR)/docs/screenshots tests/desk_e2e.sh $(APP)
