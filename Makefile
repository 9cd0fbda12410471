# BEX engine. `make` builds the release library, header and CLI; `make demo`
# runs the main job; `make test` runs every test. Nothing here touches the
# internet: tests and the demo use loopback servers and recorded fixtures.

CARGO      ?= cargo
CC         ?= cc
CXX        ?= c++
PREFIX     ?= /usr/local
DESTDIR    ?=
WASM       := wasm32-wasip2
CBINDGEN_VERSION := 0.29.2

# Tests and the demo share the dev profile (dependencies optimized, see
# Cargo.toml) so a fresh machine compiles wasmtime once for both.
TARGET_DIR  := $(or $(CARGO_TARGET_DIR),target)
DEV_DIR     := $(TARGET_DIR)/debug
RELEASE_DIR := $(TARGET_DIR)/release
WASM_DIR    := $(TARGET_DIR)/$(WASM)/release
HEADER      := include/bex_engine.h
DEMO_DIR    := $(TARGET_DIR)/demo

# Tests find the plugin components here.
export BEX_WASM_DIR := $(abspath $(WASM_DIR))
BEX_DEV     := $(DEV_DIR)/bex

# The pinned cbindgen: the one on PATH when it is that version, otherwise a
# copy installed once under target/tools (never touching the user's own).
TOOLS_DIR   := $(TARGET_DIR)/tools
CBINDGEN    := $(shell cbindgen --version 2>/dev/null | grep -qx "cbindgen $(CBINDGEN_VERSION)" \
                 && echo cbindgen || echo $(TOOLS_DIR)/bin/cbindgen)

SANITIZE   := -fsanitize=address,undefined -fno-omit-frame-pointer
C_LIBS     := -lpthread -ldl -lm

.PHONY: all lib cli header check-header plugins dev demo test test-rust test-c \
        bench lint install uninstall clean wasm-target cbindgen

all: lib header cli

# Set-up that a fresh machine lacks, checked before any long build so a
# missing piece costs seconds: the plugin target (added with rustup) and the
# pinned cbindgen (installed under target/tools). Both are quick no-ops when
# already there.
wasm-target:
	@if [ -d "$$(rustc --print sysroot)/lib/rustlib/$(WASM)/lib" ]; then :; \
	elif command -v rustup >/dev/null; then \
	  echo "adding the $(WASM) target (rustup target add $(WASM))"; rustup target add $(WASM); \
	else echo "error: the $(WASM) Rust target is missing and rustup is not installed: install rustup (https://rustup.rs), or your distribution's rust-std for $(WASM)"; exit 1; fi

cbindgen:
	@if [ "$(CBINDGEN)" = cbindgen ] || $(CBINDGEN) --version 2>/dev/null | grep -qx "cbindgen $(CBINDGEN_VERSION)"; then :; \
	else echo "installing cbindgen $(CBINDGEN_VERSION) into $(TOOLS_DIR)"; \
	  $(CARGO) install --quiet --locked --root $(TOOLS_DIR) --version $(CBINDGEN_VERSION) cbindgen; fi

lib:
	$(CARGO) build --locked --release --lib

cli:
	$(CARGO) build --locked --release --bin bex

# The C header is generated from src/ffi by a pinned cbindgen and committed.
header: cbindgen
	$(CBINDGEN) --quiet --config cbindgen.toml --crate bex-engine --output $(HEADER)

# Fails when the committed header differs from what the code generates.
check-header: cbindgen
	$(CBINDGEN) --quiet --config cbindgen.toml --crate bex-engine --output $(DEV_DIR)/bex_engine.h.check
	diff -u $(HEADER) $(DEV_DIR)/bex_engine.h.check

# Plugins are components built for wasm32-wasip2 (plugins/ is its own
# workspace; it shares target/ with the engine).
plugins: wasm-target
	$(CARGO) build --locked --manifest-path plugins/Cargo.toml --target $(WASM) --release --target-dir $(TARGET_DIR)
	$(CARGO) build --locked --manifest-path tests/plugins/Cargo.toml --target $(WASM) --release --target-dir $(TARGET_DIR)

dev:
	$(CARGO) build --locked --lib --bins

# The main job: build, pack the TVmaze plugin, install it into a fresh data
# directory, list and inspect it, then run it in the sandbox against the
# recorded TVmaze responses (no network).
REPLAY := --data-dir $(DEMO_DIR)/data --replay plugins/tvmaze/fixtures
demo: wasm-target dev plugins
	rm -rf $(DEMO_DIR) && mkdir -p $(DEMO_DIR)
	$(BEX_DEV) pack plugins/tvmaze/manifest.yaml $(WASM_DIR)/bex_tvmaze.wasm $(DEMO_DIR)/tvmaze.bex
	$(BEX_DEV) inspect $(DEMO_DIR)/tvmaze.bex
	$(BEX_DEV) --data-dir $(DEMO_DIR)/data install $(DEMO_DIR)/tvmaze.bex
	$(BEX_DEV) --data-dir $(DEMO_DIR)/data list
	$(BEX_DEV) --data-dir $(DEMO_DIR)/data plugin-info bex.tvmaze
	$(BEX_DEV) $(REPLAY) search bex.tvmaze girls
	$(BEX_DEV) $(REPLAY) --json info bex.tvmaze show:139 | head -c 400; echo
	$(BEX_DEV) $(REPLAY) stats

test: wasm-target cbindgen plugins test-rust check-header test-c

test-rust:
	$(CARGO) test --locked

# The C ABI from C (and the header from C++), linked against the static
# library, under AddressSanitizer and UndefinedBehaviorSanitizer.
test-c: dev
	$(CC) -std=c11 -Wall -Wextra -Werror $(SANITIZE) -g -Iinclude tests/c/abi.c \
	  $(DEV_DIR)/libbex_engine.a $(C_LIBS) -o $(DEV_DIR)/c-abi-test
	$(DEV_DIR)/c-abi-test
	$(CXX) -std=c++17 -Wall -Wextra -Werror $(SANITIZE) -g -Iinclude tests/c/header.cpp \
	  $(DEV_DIR)/libbex_engine.a $(C_LIBS) -o $(DEV_DIR)/c-header-test
	$(DEV_DIR)/c-header-test

# Speed targets, measured side by side in one run (release build).
bench: plugins
	$(CARGO) bench --locked --bench engine

lint:
	$(CARGO) fmt --check
	$(CARGO) clippy --locked --all-targets -- -D warnings

install: all
	install -d $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/bin
	install -m 644 $(RELEASE_DIR)/libbex_engine.a $(DESTDIR)$(PREFIX)/lib/
	install -m 755 $(RELEASE_DIR)/libbex_engine.so $(DESTDIR)$(PREFIX)/lib/
	install -m 644 $(HEADER) $(DESTDIR)$(PREFIX)/include/
	install -m 755 $(RELEASE_DIR)/bex $(DESTDIR)$(PREFIX)/bin/

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/lib/libbex_engine.a $(DESTDIR)$(PREFIX)/lib/libbex_engine.so \
	  $(DESTDIR)$(PREFIX)/include/bex_engine.h $(DESTDIR)$(PREFIX)/bin/bex

clean:
	$(CARGO) clean
