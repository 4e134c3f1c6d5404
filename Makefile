# The two entry points. Both install what is missing first (scripts/setup.sh).
export CARGO_TARGET_DIR ?= $(HOME)/.cache/frontdesk-target

.PHONY: run test setup bench

run: setup
	scripts/run-demo.sh

test: setup
	@if cargo fmt --version >/dev/null 2>&1; then cargo fmt --all -- --check; \
	else echo "make test: rustfmt is not installed; skipping the format check"; fi
	cargo test --workspace
	cargo test -p frontdesk-core --features ts --lib bindings
	cargo build -p frontdesk
	tests/os_keyring.sh
	tests/desk_window.sh $(CARGO_TARGET_DIR)/debug/frontdesk

setup:
	scripts/setup.sh

bench: setup
	cargo bench -p frontdesk-core --features bench-plaintext --bench clinic
