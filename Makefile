# BEX engine. `make` builds the release library, header and CLI; `make demo`
# runs the main job; `make test` runs every test. Nothing here touches the
# internet: tests and the demo use loopback servers and recorded fixtures.
#
# Devices: `make cross TARGET=aarch64-unknown-linux-gnu` (or
# armv7-unknown-linux-gnueabihf) builds for a device, `make test-cross`
# runs the C tests and the demo walk there under qemu; `make size` reports
# what BEX costs a player against its budgets (docs/porting.md).

CARGO      ?= cargo
CC         ?= cc
CXX        ?= c++
PREFIX     ?= /usr/local
DESTDIR    ?=
WASM       := wasm32-wasip2
CBINDGEN_VERSION := 0.29.2

# The machine building, and the one built for (always passed to cargo for
# what ships, so paths and facts belong to the target: docs/porting.md).
HOST       := $(shell rustc -vV | sed -n 's/^host: //p')
TARGET     ?= $(HOST)

# Tests and the demo share the dev profile (dependencies optimized, see
# Cargo.toml) so a fresh machine compiles wasmtime once for both.
TARGET_DIR  := $(or $(CARGO_TARGET_DIR),target)
DEV_DIR     := $(TARGET_DIR)/debug
RELEASE_DIR := $(TARGET_DIR)/$(TARGET)/release
WASM_DIR    := $(TARGET_DIR)/$(WASM)/release
HEADER      := include/bex_engine.h
DEMO_DIR    := $(TARGET_DIR)/demo
# The runtime-only library (no compiler: `--no-default-features`) has its
# own target directory: a staticlib's file name carries no feature hash,
# so sharing one would overwrite the other.
RUNTIME_FEATURES := --no-default-features --features pulley,js
RUNTIME_NOJS_FEATURES := --no-default-features --features pulley
RUNTIME_TARGET_DIR := $(TARGET_DIR)/runtime
RUNTIME_DEV_DIR    := $(RUNTIME_TARGET_DIR)/debug
RUNTIME_RELEASE_DIR := $(RUNTIME_TARGET_DIR)/$(TARGET)/release

# Tests find the plugin components here.
export BEX_WASM_DIR := $(abspath $(WASM_DIR))
BEX_DEV     := $(DEV_DIR)/bex
# A throwaway publisher key, made once per target dir: every package the
# build packs is signed with it, so tests, examples and the demo install
# signed packages as a player does (docs/distribution.md).
DEV_KEY     := $(DEV_DIR)/dev-signing.key
BEX_PACK     = $(BEX_DEV) pack --key $(DEV_KEY)

# The pinned cbindgen: the one on PATH when it is that version, otherwise a
# copy installed once under target/tools (never touching the user's own).
TOOLS_DIR   := $(TARGET_DIR)/tools
CBINDGEN    := $(shell cbindgen --version 2>/dev/null | grep -qx "cbindgen $(CBINDGEN_VERSION)" \
                 && echo cbindgen || echo $(TOOLS_DIR)/bin/cbindgen)

SANITIZE   := -fsanitize=address,undefined -fno-omit-frame-pointer
C_LIBS     := -lpthread -ldl -lm
# Every program linking the static library drops what it does not use.
GC_SECTIONS := -Wl,--gc-sections

# ---- devices --------------------------------------------------------------
# Each supported cross target: its GNU toolchain prefix, Debian's
# architecture name (libc6-dev-ARCH-cross) and its qemu-user binary.
CROSS_TARGETS := aarch64-unknown-linux-gnu armv7-unknown-linux-gnueabihf
GNU_aarch64-unknown-linux-gnu       := aarch64-linux-gnu
DEB_aarch64-unknown-linux-gnu       := arm64
QEMU_aarch64-unknown-linux-gnu      := qemu-aarch64
GNU_armv7-unknown-linux-gnueabihf   := arm-linux-gnueabihf
DEB_armv7-unknown-linux-gnueabihf   := armhf
QEMU_armv7-unknown-linux-gnueabihf  := qemu-arm

ifeq ($(TARGET),$(HOST))
TCC        := $(CC)
TCXX       := $(CXX)
TSTRIP     := strip
TNM        := nm
CROSS_ENV  :=
RUN        ?=
else
GNU        := $(GNU_$(TARGET))
TCC        := $(GNU)-gcc
TCXX       := $(GNU)-g++
TSTRIP     := $(GNU)-strip
TNM        := $(GNU)-nm
# Cargo's linker and the cc crate's compilers for the C dependencies
# (ring, zstd, QuickJS); the runner for test binaries.
TRIPLE_UP  := $(shell echo $(TARGET) | tr 'a-z-' 'A-Z_')
TRIPLE_LO  := $(subst -,_,$(TARGET))
CROSS_ENV  := CARGO_TARGET_$(TRIPLE_UP)_LINKER=$(GNU)-gcc CC_$(TRIPLE_LO)=$(GNU)-gcc \
              CXX_$(TRIPLE_LO)=$(GNU)-g++ AR_$(TRIPLE_LO)=$(GNU)-ar
RUN        ?= $(QEMU_$(TARGET)) -L /usr/$(GNU)
endif
CROSS_DIR  := $(TARGET_DIR)/$(TARGET)/debug
CROSS_PKGS := gcc-$(GNU_$(TARGET)) g++-$(GNU_$(TARGET)) libc6-dev-$(DEB_$(TARGET))-cross qemu-user

.PHONY: all lib lib-runtime lib-runtime-nojs cli header check-header plugins dev dev-key repo demo test-player mpv-header player-check test test-rust test-c \
        test-demo test-runtime bench size lint install install-files uninstall examples clean \
        wasm-target cbindgen fuzz cross test-cross cross-build cross-run rust-target soak

all: lib header cli

# Set-up that a fresh machine lacks, checked before any long build so a
# missing piece costs seconds: the plugin target (added with rustup) and the
# pinned cbindgen (installed under target/tools). Both are quick no-ops when
# already there.
wasm-target:
	@$(MAKE) --no-print-directory rust-target RUST_TARGET=$(WASM)

# `rustup target add`, unless the target's standard library is there.
rust-target:
	@if [ -d "$$(rustc --print sysroot)/lib/rustlib/$(RUST_TARGET)/lib" ]; then :; \
	elif command -v rustup >/dev/null; then \
	  echo "adding the $(RUST_TARGET) target (rustup target add $(RUST_TARGET))"; rustup target add $(RUST_TARGET); \
	else echo "error: the $(RUST_TARGET) Rust target is missing and rustup is not installed: install rustup (https://rustup.rs), or your distribution's rust-std for $(RUST_TARGET)"; exit 1; fi

cbindgen:
	@if [ "$(CBINDGEN)" = cbindgen ] || $(CBINDGEN) --version 2>/dev/null | grep -qx "cbindgen $(CBINDGEN_VERSION)"; then :; \
	else echo "installing cbindgen $(CBINDGEN_VERSION) into $(TOOLS_DIR)"; \
	  $(CARGO) install --quiet --locked --root $(TOOLS_DIR) --version $(CBINDGEN_VERSION) cbindgen; fi

# The library players link: built with only the staticlib and cdylib crate
# types, so cargo applies the release profile's LTO (it does none when an
# rlib is among the crate types), for TARGET. rustc prints the native
# libraries it needs as it links; they go next to it (see NATIVE_LIBS_FILE).
LIB_LOG := $(TARGET_DIR)/$(TARGET)-release-lib.log
lib:
	@$(MAKE) --no-print-directory rust-target RUST_TARGET=$(TARGET)
	@mkdir -p $(RELEASE_DIR)
	{ $(CROSS_ENV) $(CARGO) rustc --locked --release --lib --target $(TARGET) \
	  --crate-type staticlib,cdylib -- --print native-static-libs 2>&1; echo "cargo exit $$?"; } | tee $(LIB_LOG)
	@grep -q '^cargo exit 0$$' $(LIB_LOG)
	@$(call save_native_libs,$(LIB_LOG),$(RELEASE_DIR)/bex_engine.native-libs)

# The runtime-only library: no compiler, loads only precompiled artifacts;
# and the same without the JS host (make size). Both share a target
# directory, so each archive is copied aside as soon as it is built.
lib-runtime:
	@$(MAKE) --no-print-directory rust-target RUST_TARGET=$(TARGET)
	$(call runtime_lib,$(RUNTIME_FEATURES),$(RUNTIME_RELEASE_DIR)/with-js)

lib-runtime-nojs:
	@$(MAKE) --no-print-directory rust-target RUST_TARGET=$(TARGET)
	$(call runtime_lib,$(RUNTIME_NOJS_FEATURES),$(RUNTIME_RELEASE_DIR)/without-js)

# runtime_lib(FEATURES, DIR): builds the runtime-only archive into DIR.
define runtime_lib
$(CROSS_ENV) CARGO_TARGET_DIR=$(RUNTIME_TARGET_DIR) $(CARGO) rustc --locked --release --lib \
  --target $(TARGET) $(1) --crate-type staticlib
mkdir -p $(2) && cp $(RUNTIME_RELEASE_DIR)/libbex_engine.a $(2)/libbex_engine.a
endef

cli:
	@$(MAKE) --no-print-directory rust-target RUST_TARGET=$(TARGET)
	$(CROSS_ENV) $(CARGO) build --locked --release --bin bex --target $(TARGET)

# save_native_libs(LOG, FILE): the list rustc printed in LOG, or the fixed
# Linux list when it printed none (it prints only when it links).
NATIVE_LIBS_FALLBACK := -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc
define save_native_libs
libs="$$(sed -n 's/.*native-static-libs: //p' $(1) | tail -n 1)"; rm -f $(1); \
if [ -n "$$libs" ]; then echo "$$libs" > $(2); \
elif [ ! -s $(2) ]; then echo "$(NATIVE_LIBS_FALLBACK)" > $(2); fi
endef

# The C header is generated from src/ffi by a pinned cbindgen and committed.
header: cbindgen
	$(CBINDGEN) --quiet --config cbindgen.toml --crate bex-engine --output $(HEADER)

# Fails when the committed header differs from what the code generates.
check-header: cbindgen
	$(CBINDGEN) --quiet --config cbindgen.toml --crate bex-engine --output $(DEV_DIR)/bex_engine.h.check
	diff -u $(HEADER) $(DEV_DIR)/bex_engine.h.check

# Plugins are components built for wasm32-wasip2 (plugins/ is its own
# workspace; it shares target/ with the engine), each packed with its
# manifest into plugins/dist/NAME.bex.
PLUGIN_NAMES := $(sort $(patsubst plugins/%/manifest.yaml,%,$(wildcard plugins/*/manifest.yaml)))
PLUGIN_PKGS  := $(addprefix plugins/dist/,$(addsuffix .bex,$(PLUGIN_NAMES)))
plugins: wasm-target dev dev-key
	$(CARGO) build --locked --manifest-path plugins/Cargo.toml --target $(WASM) --release --target-dir $(TARGET_DIR)
	$(CARGO) build --locked --manifest-path tests/plugins/Cargo.toml --target $(WASM) --release --target-dir $(TARGET_DIR)
	@mkdir -p plugins/dist
	@set -e; for p in $(PLUGIN_NAMES); do \
	  $(BEX_PACK) plugins/$$p/manifest.yaml $(WASM_DIR)/bex_$$(echo $$p | tr - _).wasm plugins/dist/$$p.bex >/dev/null; \
	  echo "packed plugins/dist/$$p.bex"; done

dev:
	$(CARGO) build --locked --lib --bins

dev-key: dev
	@test -f $(DEV_KEY) || $(BEX_DEV) keygen $(DEV_KEY)

# The main job: build the engine, the plugins and the C demo player
# (examples/demo), install every plugin package into a fresh data
# directory, and walk each plugin's capabilities through the C ABI against
# its recorded responses (no network): home, category, search, info,
# servers, stream, subtitles, articles. Exits 0 only if every step showed
# what the plugin's demo.txt expects.
DEMO_SRC := examples/demo/demo.c examples/demo/walk.c examples/demo/script.c examples/demo/json.c \
            examples/demo/repo.c
DEMO_CFLAGS := -std=c99 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Werror -Iinclude
demo: wasm-target dev plugins repo
	$(CC) $(DEMO_CFLAGS) -O2 $(DEMO_SRC) $(DEV_DIR)/libbex_engine.a $(C_LIBS) $(GC_SECTIONS) -o $(DEV_DIR)/bex-demo
	rm -rf $(DEMO_DIR) && mkdir -p $(DEMO_DIR)
	$(DEV_DIR)/bex-demo $(DEMO_DIR)/data plugins --repo $(REPO_DIR)

# A signed repository of the shipped plugins (docs/distribution.md):
# REPO_DIR holds index.json (signed by a throwaway repository key made
# once per target dir), the packages (signed by the build's publisher key)
# and repository.pub, the key a player pins. `make demo` installs from it
# through a loopback server.
REPO_DIR := $(TARGET_DIR)/repo
REPO_KEY := $(DEV_DIR)/repo-signing.key
repo: dev plugins
	@test -f $(REPO_KEY) || $(BEX_DEV) keygen $(REPO_KEY) >/dev/null
	rm -rf $(REPO_DIR) && mkdir -p $(REPO_DIR)
	cp $(PLUGIN_PKGS) $(REPO_DIR)/
	cp $(REPO_KEY).pub $(REPO_DIR)/repository.pub
	$(BEX_DEV) repo index $(REPO_DIR)/*.bex --key $(REPO_KEY) --name "BEX shipped plugins" \
	  --version $$(date +%s) --expires-days 7 --out $(REPO_DIR)/index.json

# The same walk under AddressSanitizer and UndefinedBehaviorSanitizer, and
# the shipped plugins' own offline tests (their kit's harness drives `bex`).
test-demo: dev plugins repo
	$(CC) $(DEMO_CFLAGS) $(SANITIZE) -g $(DEMO_SRC) $(DEV_DIR)/libbex_engine.a $(C_LIBS) -o $(DEV_DIR)/bex-demo-test
	rm -rf $(DEV_DIR)/demo-test && mkdir -p $(DEV_DIR)/demo-test
	$(DEV_DIR)/bex-demo-test $(DEV_DIR)/demo-test/data plugins --repo $(REPO_DIR) > $(DEV_DIR)/demo-test/out.txt \
	  || { cat $(DEV_DIR)/demo-test/out.txt; exit 1; }
	tail -n 1 $(DEV_DIR)/demo-test/out.txt
	BEX_BIN=$(abspath $(BEX_DEV)) CARGO_TARGET_DIR=$(abspath $(TARGET_DIR)) \
	  $(CARGO) test --locked --manifest-path plugins/Cargo.toml

test: wasm-target cbindgen plugins test-rust check-header test-c test-demo test-runtime examples \
      test-player

test-rust:
	$(CARGO) test --locked

# The C ABI from C (and the header from C++), linked against the static
# library, under AddressSanitizer and UndefinedBehaviorSanitizer. The engine
# and limits tests run the plugins (built by `make plugins`, which `make
# test` runs first) packed fresh into $(DEV_DIR)/c-engine.
C_ENGINE_SRC := tests/c/engine.c tests/c/engine_args.c tests/c/engine_lifecycle.c \
                tests/c/engine_calls.c tests/c/engine_trust.c tests/c/engine_repos.c \
                tests/c/support.c
C_TEST_CFLAGS := -std=c11 -Wall -Wextra -Werror -Iinclude
test-c: dev
	$(CC) $(C_TEST_CFLAGS) $(SANITIZE) -g tests/c/abi.c $(DEV_DIR)/libbex_engine.a $(C_LIBS) -o $(DEV_DIR)/c-abi-test
	$(DEV_DIR)/c-abi-test
	$(CXX) -std=c++17 -Wall -Wextra -Werror $(SANITIZE) -g -Iinclude tests/c/header.cpp \
	  $(DEV_DIR)/libbex_engine.a $(C_LIBS) -o $(DEV_DIR)/c-header-test
	$(DEV_DIR)/c-header-test
	@$(MAKE) --no-print-directory c-packages PACK_DIR=$(DEV_DIR)/c-engine
	$(CC) $(C_TEST_CFLAGS) $(SANITIZE) -g -pthread $(C_ENGINE_SRC) $(DEV_DIR)/libbex_engine.a $(C_LIBS) \
	  -o $(DEV_DIR)/c-engine-test
	$(DEV_DIR)/c-engine-test $(DEV_DIR)/c-engine plugins/tvmaze/fixtures
	$(CC) $(C_TEST_CFLAGS) $(SANITIZE) -g -pthread tests/c/limits.c $(DEV_DIR)/libbex_engine.a $(C_LIBS) \
	  -o $(DEV_DIR)/c-limits-test
	$(DEV_DIR)/c-limits-test $(DEV_DIR)/c-engine
	$(CC) $(C_TEST_CFLAGS) $(SANITIZE) -g -pthread tests/c/soak.c $(DEV_DIR)/libbex_engine.a $(C_LIBS) \
	  -o $(DEV_DIR)/c-soak-test
	rm -rf $(DEV_DIR)/c-engine/soak-data
	$(DEV_DIR)/c-soak-test $(DEV_DIR)/c-engine $(DEV_DIR)/c-engine $(SOAK_TEST_N) --no-rss-check

# The playback check: examples/mpv (libmpv, headless) plays every shipped
# plugin's stream from its replayed fixtures, the stream urls mapped to a
# loopback server (tests/player/check.c) that serves media ffmpeg makes
# here, refuses requests missing the stream's headers and logs them all;
# the case without headers must fail. Needs ffmpeg, libmpv.so.2 and the
# mpv header (the system's, from libmpv-dev, or libmpv-dev's header alone,
# fetched once into TOOLS_DIR with `apt-get download`); skipped, in one
# line, without them.
PLAYER_DIR := $(TARGET_DIR)/player
MPV_DEB_DIR := $(TOOLS_DIR)/libmpv-dev
MPV_CFLAGS = $(if $(wildcard /usr/include/mpv/client.h),,-I$(abspath $(MPV_DEB_DIR))/usr/include)
MPV_LIB = $(shell $(CC) -print-file-name=libmpv.so.2)
test-player: dev plugins
	@if ! command -v ffmpeg >/dev/null; then \
	  echo "skipping the playback check: ffmpeg not found (install ffmpeg and libmpv2)"; \
	elif [ ! -f "$(MPV_LIB)" ]; then \
	  echo "skipping the playback check: libmpv.so.2 not found (install libmpv2 and ffmpeg)"; \
	elif [ ! -f /usr/include/mpv/client.h ] && ! $(MAKE) --no-print-directory mpv-header >/dev/null 2>&1; then \
	  echo "skipping the playback check: no mpv/client.h (install libmpv-dev, or let apt-get download fetch it)"; \
	else $(MAKE) --no-print-directory player-check; fi

mpv-header:
	@test -f $(MPV_DEB_DIR)/usr/include/mpv/client.h || { rm -rf $(MPV_DEB_DIR) && mkdir -p $(MPV_DEB_DIR) \
	  && cd $(MPV_DEB_DIR) && apt-get download libmpv-dev && dpkg-deb -x libmpv-dev_*.deb .; }
	@test -f $(MPV_DEB_DIR)/usr/include/mpv/client.h

player-check:
	rm -rf $(PLAYER_DIR) && mkdir -p $(PLAYER_DIR)/media $(PLAYER_DIR)/work
	ffmpeg -loglevel error -nostdin -f lavfi -i testsrc=size=160x120:rate=10 \
	  -f lavfi -i sine=frequency=440:sample_rate=8000 -t 3 -c:v libx264 -preset ultrafast -g 10 \
	  -pix_fmt yuv420p -c:a aac \
	  -movflags +faststart $(PLAYER_DIR)/media/video.mp4
	@# HLS with AC-3 audio: AAC in MPEG-TS carries its encoder priming as a
	@# start offset, which mpv's frame estimate would count as a frame.
	mkdir -p $(PLAYER_DIR)/media/hls && ffmpeg -loglevel error -nostdin -f lavfi -i testsrc=size=160x120:rate=10 \
	  -f lavfi -i sine=frequency=440:sample_rate=48000 -t 3 -c:v libx264 -preset ultrafast -g 10 \
	  -pix_fmt yuv420p -c:a ac3 -muxdelay 0 -muxpreload 0 -f hls -hls_time 1 -hls_playlist_type vod \
	  -hls_segment_filename $(PLAYER_DIR)/media/hls/seg%d.ts $(PLAYER_DIR)/media/hls/master.m3u8
	ffmpeg -loglevel error -nostdin -f lavfi -i sine=frequency=880:sample_rate=8000 -t 3 -c:a aac \
	  $(PLAYER_DIR)/media/audio.m4a
	printf '1\n00:00:00,000 --> 00:00:02,000\nhello\n' > $(PLAYER_DIR)/media/subs.srt
	printf 'WEBVTT\n\n00:00.000 --> 00:00:02.000\nhello\n' > $(PLAYER_DIR)/media/subs.vtt
	$(CC) -std=c99 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Werror -Iinclude -Iexamples/demo $(MPV_CFLAGS) \
	  examples/mpv/player.c examples/demo/json.c $(DEV_DIR)/libbex_engine.a $(MPV_LIB) $(C_LIBS) \
	  -o $(PLAYER_DIR)/mpv-player
	$(CC) -std=c11 -Wall -Wextra -Werror -pthread tests/player/check.c -o $(PLAYER_DIR)/player-check
	$(PLAYER_DIR)/player-check $(PLAYER_DIR)/mpv-player $(PLAYER_DIR)/media $(PLAYER_DIR)/work

# The packages the C tests install, packed by the dev bex into PACK_DIR.
c-packages: dev-key
	rm -rf $(PACK_DIR) && mkdir -p $(PACK_DIR)
	$(BEX_PACK) tests/c/hostile.yaml $(WASM_DIR)/bex_hostile.wasm $(PACK_DIR)/hostile.bex
	$(BEX_PACK) tests/c/hostile2.yaml $(WASM_DIR)/bex_hostile.wasm $(PACK_DIR)/hostile2.bex
	$(BEX_PACK) tests/c/soak.yaml $(WASM_DIR)/bex_hostile.wasm $(PACK_DIR)/soak.bex
	$(BEX_PACK) plugins/tvmaze/manifest.yaml $(WASM_DIR)/bex_tvmaze.wasm $(PACK_DIR)/tvmaze.bex
	$(BEX_DEV) pack plugins/tvmaze/manifest.yaml $(WASM_DIR)/bex_tvmaze.wasm $(PACK_DIR)/unsigned-tvmaze.bex
	$(BEX_DEV) keygen $(PACK_DIR)/other.key >/dev/null
	$(BEX_DEV) sign $(PACK_DIR)/unsigned-tvmaze.bex --key $(PACK_DIR)/other.key --out $(PACK_DIR)/other-tvmaze.bex
	mkdir -p $(PACK_DIR)/repo && cp $(PACK_DIR)/tvmaze.bex $(PACK_DIR)/repo/
	$(BEX_DEV) keygen $(PACK_DIR)/repo.key >/dev/null
	$(BEX_DEV) repo index $(PACK_DIR)/repo/tvmaze.bex --key $(PACK_DIR)/repo.key --name "C test" \
	  --version 1 --out $(PACK_DIR)/repo/index.json >/dev/null

# The runtime-only engine (no compiler) in its dev build: it refuses a
# package without a matching artifact (tests/c/runtime_only.c), and the
# demo walks every plugin from artifacts `bex precompile` made.
RT_WORK := $(RUNTIME_DEV_DIR)/work
test-runtime: dev plugins
	CARGO_TARGET_DIR=$(RUNTIME_TARGET_DIR) $(CARGO) build --locked --lib $(RUNTIME_FEATURES)
	rm -rf $(RT_WORK) && mkdir -p $(RT_WORK)/abi $(RT_WORK)/demo
	cp plugins/dist/tvmaze.bex $(RT_WORK)/abi/
	$(BEX_DEV) precompile --out-dir $(RT_WORK)/good plugins/dist/tvmaze.bex
	$(BEX_DEV) --execution pulley precompile --out-dir $(RT_WORK)/other plugins/dist/tvmaze.bex
	mv $(RT_WORK)/good/tvmaze.bexa $(RT_WORK)/abi/good.bexa
	mv $(RT_WORK)/other/tvmaze.bexa $(RT_WORK)/abi/other.bexa
	$(CC) $(C_TEST_CFLAGS) $(SANITIZE) -g -pthread tests/c/runtime_only.c \
	  $(RUNTIME_DEV_DIR)/libbex_engine.a $(C_LIBS) -o $(RUNTIME_DEV_DIR)/c-runtime-test
	$(RUNTIME_DEV_DIR)/c-runtime-test $(RT_WORK)/abi plugins/tvmaze/fixtures
	cp $(PLUGIN_PKGS) $(RT_WORK)/demo/
	$(BEX_DEV) precompile $(RT_WORK)/demo/*.bex
	$(CC) $(DEMO_CFLAGS) $(SANITIZE) -g $(DEMO_SRC) $(RUNTIME_DEV_DIR)/libbex_engine.a $(C_LIBS) \
	  -o $(RUNTIME_DEV_DIR)/bex-demo
	$(RUNTIME_DEV_DIR)/bex-demo $(RT_WORK)/data plugins $(RT_WORK)/demo/*.bex > $(RT_WORK)/demo.txt \
	  || { cat $(RT_WORK)/demo.txt; exit 1; }
	tail -n 1 $(RT_WORK)/demo.txt

# ---- devices: cross builds, and their tests under qemu --------------------
# `make cross TARGET=T` builds, with Debian's cross compilers, the library,
# the bex CLI (dev profile: optimized dependencies), the C tests and the
# demo player for T. `make test-cross TARGET=T` runs them under qemu-user:
# the C ABI tests, the limits (timeouts, fuel, faults, cancellation under
# T's execution strategy), the demo walk of every plugin, and the CLI.
# Without the cross toolchain or qemu, both say what to install and stop.
CROSS_CHECK = if [ -z "$(GNU_$(TARGET))" ]; then \
	  echo "error: TARGET=$(TARGET) is not a cross target (supported: $(CROSS_TARGETS))"; exit 2; fi; \
	missing=""; for t in $(GNU_$(TARGET))-gcc $(GNU_$(TARGET))-g++ $(1); do \
	  command -v $$t >/dev/null || missing="$$missing $$t"; done; \
	if [ -n "$$missing" ]; then \
	  echo "skipping $(2) for $(TARGET):$$missing not found (install $(CROSS_PKGS))"; exit 0; fi

cross:
	@$(call CROSS_CHECK,,the cross build); $(MAKE) --no-print-directory cross-build TARGET=$(TARGET)

test-cross:
	@$(call CROSS_CHECK,$(QEMU_$(TARGET)),the cross tests); $(MAKE) --no-print-directory cross-run TARGET=$(TARGET)

cross-build:
	@$(MAKE) --no-print-directory rust-target RUST_TARGET=$(TARGET)
	$(CROSS_ENV) $(CARGO) build --locked --lib --bins --target $(TARGET)
	$(TCC) $(C_TEST_CFLAGS) -g tests/c/abi.c $(CROSS_DIR)/libbex_engine.a $(C_LIBS) -o $(CROSS_DIR)/c-abi-test
	$(TCXX) -std=c++17 -Wall -Wextra -Werror -g -Iinclude tests/c/header.cpp $(CROSS_DIR)/libbex_engine.a \
	  $(C_LIBS) -o $(CROSS_DIR)/c-header-test
	$(TCC) $(C_TEST_CFLAGS) -g -pthread $(C_ENGINE_SRC) $(CROSS_DIR)/libbex_engine.a $(C_LIBS) \
	  -o $(CROSS_DIR)/c-engine-test
	$(TCC) $(C_TEST_CFLAGS) -g -pthread tests/c/limits.c $(CROSS_DIR)/libbex_engine.a $(C_LIBS) \
	  -o $(CROSS_DIR)/c-limits-test
	$(TCC) $(DEMO_CFLAGS) -O2 $(DEMO_SRC) $(CROSS_DIR)/libbex_engine.a $(C_LIBS) $(GC_SECTIONS) \
	  -o $(CROSS_DIR)/bex-demo
	@echo "built for $(TARGET) in $(CROSS_DIR): libbex_engine.a, bex, c-abi-test, c-header-test, c-engine-test, c-limits-test, bex-demo"

CROSS_CLI := $(RUN) $(CROSS_DIR)/bex --data-dir $(CROSS_DIR)/cli-data
cross-run: plugins repo cross-build
	$(RUN) $(CROSS_DIR)/c-abi-test
	$(RUN) $(CROSS_DIR)/c-header-test
	@$(MAKE) --no-print-directory c-packages PACK_DIR=$(CROSS_DIR)/c-engine
	$(RUN) $(CROSS_DIR)/c-engine-test $(CROSS_DIR)/c-engine plugins/tvmaze/fixtures
	$(RUN) $(CROSS_DIR)/c-limits-test $(CROSS_DIR)/c-engine
	rm -rf $(CROSS_DIR)/demo $(CROSS_DIR)/cli-data && mkdir -p $(CROSS_DIR)/demo
	$(RUN) $(CROSS_DIR)/bex-demo $(CROSS_DIR)/demo/data plugins --repo $(REPO_DIR) > $(CROSS_DIR)/demo/out.txt \
	  || { cat $(CROSS_DIR)/demo/out.txt; exit 1; }
	tail -n 1 $(CROSS_DIR)/demo/out.txt
	$(EX_EXPECT) '^bex\.tvmaze 1\.0\.0: installed' $(CROSS_CLI) install plugins/dist/tvmaze.bex
	$(EX_EXPECT) '"Girls"' $(CROSS_CLI) --replay plugins/tvmaze/fixtures search bex.tvmaze girls
	$(EX_EXPECT) '^execution: ' $(CROSS_CLI) stats

# ---- size and speed -------------------------------------------------------
# What BEX costs a player (benches/size/size.sh): the stripped CLI and C
# player with the JIT and runtime-only, the largest crates, and (on this
# machine) resident memory, each against its budget. TARGET=T measures a
# device's build (sizes only: memory under qemu is qemu's).
SIZE_DIR := $(TARGET_DIR)/size/$(TARGET)
size: plugins lib lib-runtime-nojs lib-runtime cli
	CC="$(TCC)" STRIP="$(TSTRIP)" NM="$(TNM)" TARGET=$(TARGET) \
	NATIVE_LIBS="$$(cat $(RELEASE_DIR)/bex_engine.native-libs)" \
	JIT_LIB=$(RELEASE_DIR)/libbex_engine.a RT_LIB=$(RUNTIME_RELEASE_DIR)/with-js/libbex_engine.a \
	RT_NOJS_LIB=$(RUNTIME_RELEASE_DIR)/without-js/libbex_engine.a \
	CLI=$(RELEASE_DIR)/bex HOST_BEX=$(TARGET_DIR)/$(HOST)/release/bex OUT=$(SIZE_DIR) \
	RSS=$(if $(filter $(HOST),$(TARGET)),1,0) PACKAGES="$(PLUGIN_PKGS)" \
	sh benches/size/size.sh

# The soak (tests/c/soak.c): SOAK_N submissions through the C ABI of the
# release library, with cancels, faults, a disable and a free in flight;
# every request called back exactly once, nothing after free, resident
# memory flat. `make test` runs SOAK_TEST_N of them under the sanitizers.
SOAK_N      ?= 100000
SOAK_TEST_N ?= 10000
SOAK_DIR    := $(TARGET_DIR)/soak
soak: lib plugins
	@$(MAKE) --no-print-directory c-packages PACK_DIR=$(SOAK_DIR)
	$(CC) $(C_TEST_CFLAGS) -O2 -pthread tests/c/soak.c $(RELEASE_DIR)/libbex_engine.a \
	  $$(cat $(RELEASE_DIR)/bex_engine.native-libs) -Wl,--gc-sections -o $(SOAK_DIR)/soak
	$(SOAK_DIR)/soak $(SOAK_DIR) $(SOAK_DIR) $(SOAK_N)

# Speed targets, measured side by side in one run (release build), then
# the sizes.
bench: plugins
	$(CARGO) bench --locked --bench engine
	@$(MAKE) --no-print-directory size

# Fuzzing (nightly Rust and cargo-fuzz; tests/fuzz/README.md). `make test`
# replays the committed corpora on stable instead.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS = package manifest recording host_pattern_and_url call_values artifact repo_index
fuzz: plugins
	@for t in $(FUZZ_TARGETS); do \
	  cargo +nightly fuzz run --fuzz-dir tests/fuzz $$t tests/fuzz/corpus/$$t -- \
	    -max_total_time=$(FUZZ_SECONDS) || exit 1; \
	done

lint:
	$(CARGO) fmt --check
	$(CARGO) clippy --locked --all-targets -- -D warnings
	CARGO_TARGET_DIR=$(RUNTIME_TARGET_DIR) $(CARGO) clippy --locked --lib $(RUNTIME_FEATURES) -- -D warnings
	CARGO_TARGET_DIR=$(RUNTIME_TARGET_DIR) $(CARGO) clippy --locked --lib $(RUNTIME_NOJS_FEATURES) -- -D warnings
	$(CARGO) clippy --locked --lib --no-default-features --features jit -- -D warnings
	cd plugins && $(CARGO) fmt --all --check
	cd plugins && CARGO_TARGET_DIR=$(abspath $(TARGET_DIR)) $(CARGO) clippy --locked --workspace --target $(WASM) -- -D warnings
	cd plugins && CARGO_TARGET_DIR=$(abspath $(TARGET_DIR)) $(CARGO) clippy --locked --workspace --all-targets -- -D warnings
	cd tests/plugins && $(CARGO) fmt --all --check
	cd tests/plugins && CARGO_TARGET_DIR=$(abspath $(TARGET_DIR)) $(CARGO) clippy --locked --workspace --target $(WASM) -- -D warnings

# Installs the libraries, header and `bex` from INSTALL_FROM (the release
# build for TARGET, made by `all`), a pkg-config file and a CMake package
# (`find_package(bex_engine)`, target `bex::engine`) from the templates in
# examples/package. `make examples` stage-installs the dev build with the
# same recipe (install-files), so the tests need no release build.
INSTALL_FROM ?= $(RELEASE_DIR)
VERSION      := $(shell sed -n 's/^version *= *"\([^"]*\)".*/\1/p' Cargo.toml | head -n 1)
LIBDIR        = $(DESTDIR)$(PREFIX)/lib
CMAKEDIR      = $(LIBDIR)/cmake/bex_engine
# The native libraries a program linking libbex_engine.a also needs, as
# rustc prints them for INSTALL_FROM's build, kept next to the library.
NATIVE_LIBS_FILE := $(INSTALL_FROM)/bex_engine.native-libs
# The target's pointer size, for the CMake package's version check.
POINTER_BYTES = $$(( $$(rustc --print cfg --target $(TARGET) | sed -n 's/^target_pointer_width="\(.*\)"/\1/p') / 8 ))

install: all
	@$(MAKE) --no-print-directory install-files

install-files: $(NATIVE_LIBS_FILE)
	install -d $(LIBDIR)/pkgconfig $(CMAKEDIR) $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/bin
	install -m 644 $(INSTALL_FROM)/libbex_engine.a $(LIBDIR)/
	install -m 755 $(INSTALL_FROM)/libbex_engine.so $(LIBDIR)/
	install -m 644 $(HEADER) $(DESTDIR)$(PREFIX)/include/
	install -m 755 $(INSTALL_FROM)/bex $(DESTDIR)$(PREFIX)/bin/
	@libs="$$(cat $(NATIVE_LIBS_FILE))"; \
	cmake_libs="$$(echo "$$libs" | sed -E -e 's/(^| )-lpthread( |$$)/\1Threads::Threads\2/' -e 's/(^| )-l/\1/g' -e 's/ +/;/g')"; \
	ptr="$(POINTER_BYTES)"; \
	subst="s|@PREFIX@|$(PREFIX)|g; s|@VERSION@|$(VERSION)|g; s|@NATIVE_LIBS@|$$libs|g; s|@CMAKE_LIBS@|$$cmake_libs|g; s|@SIZEOF_VOID_P@|$$ptr|g"; \
	set -e; for f in pkgconfig/bex_engine.pc cmake/bex_engine/bex_engineConfig.cmake \
	    cmake/bex_engine/bex_engineConfigVersion.cmake; do \
	  echo "writing $(LIBDIR)/$$f"; sed "$$subst" examples/package/$${f##*/}.in > $(LIBDIR)/$$f; \
	done

# The dev build's list (`make examples`): rustc prints it only when it
# links, so it is asked for once, until the dependencies change. The
# release list comes with `make lib`.
$(DEV_DIR)/bex_engine.native-libs: Cargo.lock
	{ $(CARGO) rustc --locked --lib --crate-type staticlib -- --print native-static-libs 2>&1; \
	  echo "cargo exit $$?"; } > $@.log
	@grep -q '^cargo exit 0$$' $@.log || { cat $@.log; exit 1; }
	@$(call save_native_libs,$@.log,$@)
	@echo "native libraries: $$(cat $@)"

uninstall:
	rm -f $(LIBDIR)/libbex_engine.a $(LIBDIR)/libbex_engine.so \
	  $(DESTDIR)$(PREFIX)/include/bex_engine.h $(DESTDIR)$(PREFIX)/bin/bex \
	  $(LIBDIR)/pkgconfig/bex_engine.pc $(CMAKEDIR)/bex_engineConfig.cmake \
	  $(CMAKEDIR)/bex_engineConfigVersion.cmake
	rmdir $(CMAKEDIR) 2>/dev/null || true

# The examples (examples/), built the way a player builds against BEX:
# from an installed tree only (a staged install of the dev build), with
# pkg-config and with CMake's find_package, whose link lines must carry
# --gc-sections; then run offline against the packaged TVmaze plugin and
# its recorded responses, in fresh data dirs. Without pkg-config or cmake,
# that part is skipped with one line naming the package.
CMAKE     ?= cmake
EX_DIR    := $(TARGET_DIR)/examples
EX_CMAKE  := $(TARGET_DIR)/examples-cmake
EX_STAGE  := $(abspath $(TARGET_DIR)/stage)
EX_PC      = PKG_CONFIG_PATH=$(EX_STAGE)/lib/pkgconfig pkg-config
EX_CFLAGS  = -Wall -Wextra -Werror $$($(EX_PC) --cflags bex_engine)
# -Bstatic picks libbex_engine.a over the .so beside it, so the programs
# run without LD_LIBRARY_PATH; --static adds the native libraries.
EX_LIBS    = $$($(EX_PC) --static --libs bex_engine | sed 's/-lbex_engine/-Wl,-Bstatic & -Wl,-Bdynamic/')
EX_CONFIG := '{"replay_dir":"plugins/tvmaze/fixtures"}'
EX_EXPECT := sh examples/expect.sh
BEXCLI    := $(EX_DIR)/bexcli --data-dir $(EX_DIR)/cli-data --config $(EX_CONFIG)
BEXCLI_CM := $(EX_CMAKE)/bexcli --data-dir $(EX_DIR)/cmake-data --config $(EX_CONFIG)

examples: dev plugins $(DEV_DIR)/bex_engine.native-libs
	$(MAKE) --no-print-directory install-files INSTALL_FROM=$(DEV_DIR) PREFIX=$(EX_STAGE) DESTDIR=
	rm -rf $(EX_DIR) $(EX_CMAKE) && mkdir -p $(EX_DIR)
	$(BEX_PACK) plugins/tvmaze/manifest.yaml $(WASM_DIR)/bex_tvmaze.wasm $(EX_DIR)/tvmaze.bex
	@if command -v pkg-config >/dev/null; then $(MAKE) --no-print-directory examples-pkg-config; \
	else echo "skipping the pkg-config examples: pkg-config not found (install pkg-config)"; fi
	@if command -v $(CMAKE) >/dev/null; then $(MAKE) --no-print-directory examples-cmake; \
	else echo "skipping the CMake example: cmake not found (install cmake)"; fi

examples-pkg-config:
	$(EX_EXPECT) 'gc-sections' env PKG_CONFIG_PATH=$(EX_STAGE)/lib/pkgconfig pkg-config --static --libs bex_engine
	$(CC) -std=c99 $(EX_CFLAGS) examples/player.c $(EX_LIBS) -o $(EX_DIR)/player
	$(CXX) -std=c++17 $(EX_CFLAGS) examples/bexcli.cpp $(EX_LIBS) -o $(EX_DIR)/bexcli
	$(EX_EXPECT) '^search: .*"Girls"' $(EX_DIR)/player $(EX_DIR)/player-data $(EX_CONFIG) \
	  $(EX_DIR)/tvmaze.bex bex.tvmaze girls show:139
	$(EX_EXPECT) '^installed ' $(BEXCLI) install $(EX_DIR)/tvmaze.bex
	$(EX_EXPECT) '^bex\.tvmaze +1\.0\.0 +enabled' $(BEXCLI) list
	$(EX_EXPECT) '^capabilities: home,category,search,info$$' $(BEXCLI) info-plugin bex.tvmaze
	$(EX_EXPECT) '"Girls"' $(BEXCLI) search bex.tvmaze girls
	$(EX_EXPECT) '"Girls"' $(BEXCLI) info bex.tvmaze show:139
	$(EX_EXPECT) '^disabled bex\.tvmaze' $(BEXCLI) disable bex.tvmaze
	$(EX_EXPECT) --fail '^error\[DISABLED\]: ' $(BEXCLI) search bex.tvmaze girls
	$(EX_EXPECT) '^enabled bex\.tvmaze' $(BEXCLI) enable bex.tvmaze
	$(EX_EXPECT) '"plugins":1,' $(BEXCLI) stats
	$(EX_EXPECT) --fail '^error\[NOT_FOUND\]: ' $(BEXCLI) info-plugin bex.missing
	$(EX_EXPECT) --fail '^error\[INVALID_ARGUMENT\]: .*secret' $(BEXCLI) set-key bex.tvmaze api-key x
	$(EX_EXPECT) '^uninstalled bex\.tvmaze' $(BEXCLI) uninstall bex.tvmaze
	$(EX_EXPECT) '^no plugins installed' $(BEXCLI) list

examples-cmake:
	$(CMAKE) -S examples/cmake -B $(EX_CMAKE) -DCMAKE_PREFIX_PATH=$(EX_STAGE)
	$(CMAKE) --build $(EX_CMAKE) --verbose > $(EX_CMAKE)/build.log || { cat $(EX_CMAKE)/build.log; exit 1; }
	$(EX_EXPECT) 'gc-sections' grep -- '-o bexcli' $(EX_CMAKE)/build.log
	$(EX_EXPECT) '^installed ' $(BEXCLI_CM) install $(EX_DIR)/tvmaze.bex
	$(EX_EXPECT) '^bex\.tvmaze ' $(BEXCLI_CM) list
	$(EX_EXPECT) '"Girls"' $(BEXCLI_CM) search bex.tvmaze girls

clean:
	$(CARGO) clean
