# Streamlab: two commands on a fresh machine.
#   make serve   install what is missing, then serve the dashboard at http://127.0.0.1:8080
#   make test    install what is missing, then run every check (fmt, clippy, native, browser, e2e)
SHELL := /bin/bash
ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
export PATH := $(HOME)/.cargo/bin:$(ROOT)/node_modules/.bin:$(PATH)
# Trunk must never download its tools; they come from scripts/install.sh.
export TRUNK_OFFLINE := true

.PHONY: serve test install build bench fuzz screenshots clean

serve:  # the dashboard at /, the example documentation page at /docs/
	bash scripts/install.sh serve
	trunk serve

test:
	bash scripts/install.sh test
	bash scripts/test.sh

install:
	bash scripts/install.sh test

build:
	bash scripts/install.sh serve
	trunk build --release

# Benchmarks print figures, one Markdown table with each figure against its goal; they are never
# part of `make test` (see BENCHMARKS.md). Everything is built first, so the table is unbroken.
bench:
	bash scripts/install.sh test
	cargo build --release -q -p streamlab-log --example bench_log
	trunk build --release
	@printf '\nStreamlab benchmarks, %s, %s cores, %s\n\n' "$$(date -u +%Y-%m-%d)" "$$(nproc)" "$$(chromium --version 2>/dev/null)"
	@echo '| benchmark | records | result | vs baseline | goal |'
	@echo '|---|---:|---:|---|---|'
	@cargo run --release -q -p streamlab-log --example bench_log
	@node bench/browser.mjs
	@node bench/streams.mjs
	@node bench/renders.mjs
	@node bench/bundle.mjs

# 10^6 mutated record batches through the decoder, and 10^6 mutated JSON Lines through the
# import parser (see the crates' examples).
fuzz:
	cargo run --release -q -p streamlab-log --example fuzz_batch -- 1000000
	cargo run --release -q -p streamlab-protocol --example fuzz_import -- 1000000

# Refreshes the README's screenshots from the end-to-end run.
screenshots: test
	mkdir -p docs
	cp target/e2e/dashboard-kafka.png target/e2e/dashboard-kinesis.png target/e2e/dashboard-consumers.png docs/
	cp target/e2e/dashboard-reshard.png docs/dashboard-kinesis-split.png
	cp target/e2e/embed-docs-page.png docs/
	cp target/e2e/dashboard-kinesis-endpoint.png docs/

clean:
	cargo clean
	rm -rf dist target/e2e
