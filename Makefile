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

.PHONY: all lib cli header check-header plugins dev demo test test-rust test-c test-demo \
        bench lint install install-files uninstall examples clean wasm-target cbindgen fuzz

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
# workspace; it shares target/ with the engine), each packed with its
# manifest into plugins/dist/NAME.bex.
PLUGIN_NAMES := $(sort $(patsubst plugins/%/manifest.yaml,%,$(wildcard plugins/*/manifest.yaml)))
PLUGIN_PKGS  := $(addprefix plugins/dist/,$(addsuffix .bex,$(PLUGIN_NAMES)))
plugins: wasm-target dev
	$(CARGO) build --locked --manifest-path plugins/Cargo.toml --target $(WASM) --release --target-dir $(TARGET_DIR)
	$(CARGO) build --locked --manifest-path tests/plugins/Cargo.toml --target $(WASM) --release --target-dir $(TARGET_DIR)
	@mkdir -p plugins/dist
	@set -e; for p in $(PLUGIN_NAMES); do \
	  $(BEX_DEV) pack plugins/$$p/manifest.yaml $(WASM_DIR)/bex_$$(echo $$p | tr - _).wasm plugins/dist/$$p.bex >/dev/null; \
	  echo "packed plugins/dist/$$p.bex"; done

dev:
	$(CARGO) build --locked --lib --bins

# The main job: build the engine, the plugins and the C demo player
# (examples/demo), install every plugin package into a fresh data
# directory, and walk each plugin's capabilities through the C ABI against
# its recorded responses (no network): home, category, search, info,
# servers, stream, subtitles, articles. Exits 0 only if every step showed
# what the plugin's demo.txt expects.
DEMO_SRC := examples/demo/demo.c examples/demo/walk.c examples/demo/script.c examples/demo/json.c
demo: wasm-target dev plugins
	$(CC) -std=c99 -D_POSIX_C_SOURCE=200809L -O2 -Wall -Wextra -Werror -Iinclude $(DEMO_SRC) \
	  $(DEV_DIR)/libbex_engine.a $(C_LIBS) -o $(DEV_DIR)/bex-demo
	rm -rf $(DEMO_DIR) && mkdir -p $(DEMO_DIR)
	$(DEV_DIR)/bex-demo $(DEMO_DIR)/data plugins $(PLUGIN_PKGS)

# The same walk under AddressSanitizer and UndefinedBehaviorSanitizer, and
# the shipped plugins' own offline tests (their kit's harness drives `bex`).
test-demo: dev plugins
	$(CC) -std=c99 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Werror $(SANITIZE) -g -Iinclude $(DEMO_SRC) \
	  $(DEV_DIR)/libbex_engine.a $(C_LIBS) -o $(DEV_DIR)/bex-demo-test
	rm -rf $(DEV_DIR)/demo-test && mkdir -p $(DEV_DIR)/demo-test
	$(DEV_DIR)/bex-demo-test $(DEV_DIR)/demo-test/data plugins $(PLUGIN_PKGS) > $(DEV_DIR)/demo-test/out.txt \
	  || { cat $(DEV_DIR)/demo-test/out.txt; exit 1; }
	tail -n 1 $(DEV_DIR)/demo-test/out.txt
	BEX_BIN=$(abspath $(BEX_DEV)) CARGO_TARGET_DIR=$(abspath $(TARGET_DIR)) \
	  $(CARGO) test --locked --manifest-path plugins/Cargo.toml

test: wasm-target cbindgen plugins test-rust check-header test-c test-demo examples

test-rust:
	$(CARGO) test --locked

# The C ABI from C (and the header from C++), linked against the static
# library, under AddressSanitizer and UndefinedBehaviorSanitizer. The engine
# test runs the plugins (built by `make plugins`, which `make test` runs
# first) packed fresh into $(DEV_DIR)/c-engine.
test-c: dev
	$(CC) -std=c11 -Wall -Wextra -Werror $(SANITIZE) -g -Iinclude tests/c/abi.c \
	  $(DEV_DIR)/libbex_engine.a $(C_LIBS) -o $(DEV_DIR)/c-abi-test
	$(DEV_DIR)/c-abi-test
	$(CXX) -std=c++17 -Wall -Wextra -Werror $(SANITIZE) -g -Iinclude tests/c/header.cpp \
	  $(DEV_DIR)/libbex_engine.a $(C_LIBS) -o $(DEV_DIR)/c-header-test
	$(DEV_DIR)/c-header-test
	rm -rf $(DEV_DIR)/c-engine && mkdir -p $(DEV_DIR)/c-engine
	$(BEX_DEV) pack tests/c/hostile.yaml $(WASM_DIR)/bex_hostile.wasm $(DEV_DIR)/c-engine/hostile.bex
	$(BEX_DEV) pack tests/c/hostile2.yaml $(WASM_DIR)/bex_hostile.wasm $(DEV_DIR)/c-engine/hostile2.bex
	$(BEX_DEV) pack plugins/tvmaze/manifest.yaml $(WASM_DIR)/bex_tvmaze.wasm $(DEV_DIR)/c-engine/tvmaze.bex
	$(CC) -std=c11 -Wall -Wextra -Werror $(SANITIZE) -g -pthread -Iinclude tests/c/engine.c \
	  tests/c/engine_args.c tests/c/engine_lifecycle.c tests/c/engine_calls.c tests/c/support.c \
	  $(DEV_DIR)/libbex_engine.a $(C_LIBS) -o $(DEV_DIR)/c-engine-test
	$(DEV_DIR)/c-engine-test $(DEV_DIR)/c-engine plugins/tvmaze/fixtures

# Speed targets, measured side by side in one run (release build).
bench: plugins lib
	$(CARGO) bench --locked --bench engine
	@cp $(RELEASE_DIR)/libbex_engine.a $(RELEASE_DIR)/size-libbex_engine.a
	@strip --strip-debug $(RELEASE_DIR)/size-libbex_engine.a
	@$(CC) -std=c99 -O2 -Iinclude examples/player.c $(RELEASE_DIR)/libbex_engine.a \
	  -lpthread -ldl -lm -o $(RELEASE_DIR)/size-player && strip $(RELEASE_DIR)/size-player
	@echo "sizes (release, stripped):"
	@printf "  libbex_engine.a (debug info stripped) %8d KiB\n" $$(( $$(stat -c %s $(RELEASE_DIR)/size-libbex_engine.a) / 1024 ))
	@printf "  examples/player.c linked statically   %8d KiB\n" $$(( $$(stat -c %s $(RELEASE_DIR)/size-player) / 1024 ))

# Fuzzing (nightly Rust and cargo-fuzz; tests/fuzz/README.md). `make test`
# replays the committed corpora on stable instead.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS = package manifest recording host_pattern_and_url call_values
fuzz: plugins
	@for t in $(FUZZ_TARGETS); do \
	  cargo +nightly fuzz run --fuzz-dir tests/fuzz $$t tests/fuzz/corpus/$$t -- \
	    -max_total_time=$(FUZZ_SECONDS) || exit 1; \
	done

lint:
	$(CARGO) fmt --check
	$(CARGO) clippy --locked --all-targets -- -D warnings
	cd plugins && $(CARGO) fmt --all --check
	cd plugins && CARGO_TARGET_DIR=$(abspath $(TARGET_DIR)) $(CARGO) clippy --locked --workspace --target $(WASM) -- -D warnings
	cd plugins && CARGO_TARGET_DIR=$(abspath $(TARGET_DIR)) $(CARGO) clippy --locked --workspace --all-targets -- -D warnings
	cd tests/plugins && $(CARGO) fmt --all --check
	cd tests/plugins && CARGO_TARGET_DIR=$(abspath $(TARGET_DIR)) $(CARGO) clippy --locked --workspace --target $(WASM) -- -D warnings

# Installs the libraries, header and `bex` from INSTALL_FROM (the release
# build, made by `all`), a pkg-config file and a CMake package
# (`find_package(bex_engine)`, target `bex::engine`) from the templates in
# examples/package. `make examples` stage-installs the dev build with the
# same recipe (install-files), so the tests need no release build.
INSTALL_FROM ?= $(RELEASE_DIR)
VERSION      := $(shell sed -n 's/^version *= *"\([^"]*\)".*/\1/p' Cargo.toml | head -n 1)
LIBDIR        = $(DESTDIR)$(PREFIX)/lib
CMAKEDIR      = $(LIBDIR)/cmake/bex_engine
# The native libraries a program linking libbex_engine.a also needs, as
# rustc prints them for INSTALL_FROM's profile, cached next to the library
# until the dependencies change. rustc prints them only when it compiles;
# the fixed list (Linux) is used if it printed none.
NATIVE_LIBS_FILE     := $(INSTALL_FROM)/bex_engine.native-libs
NATIVE_LIBS_FALLBACK := -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc

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
	ptr="$$(( $$(rustc --print cfg | sed -n 's/^target_pointer_width="\(.*\)"/\1/p') / 8 ))"; \
	subst="s|@PREFIX@|$(PREFIX)|g; s|@VERSION@|$(VERSION)|g; s|@NATIVE_LIBS@|$$libs|g; s|@CMAKE_LIBS@|$$cmake_libs|g; s|@SIZEOF_VOID_P@|$$ptr|g"; \
	set -e; for f in pkgconfig/bex_engine.pc cmake/bex_engine/bex_engineConfig.cmake \
	    cmake/bex_engine/bex_engineConfigVersion.cmake; do \
	  echo "writing $(LIBDIR)/$$f"; sed "$$subst" examples/package/$${f##*/}.in > $(LIBDIR)/$$f; \
	done

$(NATIVE_LIBS_FILE): Cargo.lock
	$(CARGO) rustc --locked --lib $(if $(filter $(RELEASE_DIR),$(INSTALL_FROM)),--release) \
	  --crate-type staticlib -- --print native-static-libs 2> $@.log || { cat $@.log; exit 1; }
	@libs="$$(sed -n 's/.*native-static-libs: //p' $@.log | tail -n 1)"; rm -f $@.log; \
	if [ -n "$$libs" ]; then echo "native libraries (rustc): $$libs"; \
	else libs="$(NATIVE_LIBS_FALLBACK)"; echo "native libraries (rustc printed none, the Linux list): $$libs"; fi; \
	echo "$$libs" > $@

uninstall:
	rm -f $(LIBDIR)/libbex_engine.a $(LIBDIR)/libbex_engine.so \
	  $(DESTDIR)$(PREFIX)/include/bex_engine.h $(DESTDIR)$(PREFIX)/bin/bex \
	  $(LIBDIR)/pkgconfig/bex_engine.pc $(CMAKEDIR)/bex_engineConfig.cmake \
	  $(CMAKEDIR)/bex_engineConfigVersion.cmake
	rmdir $(CMAKEDIR) 2>/dev/null || true

# The examples (examples/), built the way a player builds against BEX:
# from an installed tree only (a staged install of the dev build), with
# pkg-config and with CMake's find_package; then run offline against the
# packaged TVmaze plugin and its recorded responses, in fresh data dirs.
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

examples: dev plugins
	$(MAKE) --no-print-directory install-files INSTALL_FROM=$(DEV_DIR) PREFIX=$(EX_STAGE) DESTDIR=
	rm -rf $(EX_DIR) $(EX_CMAKE) && mkdir -p $(EX_DIR)
	$(CC) -std=c99 $(EX_CFLAGS) examples/player.c $(EX_LIBS) -o $(EX_DIR)/player
	$(CXX) -std=c++17 $(EX_CFLAGS) examples/bexcli.cpp $(EX_LIBS) -o $(EX_DIR)/bexcli
	$(CMAKE) -S examples/cmake -B $(EX_CMAKE) -DCMAKE_PREFIX_PATH=$(EX_STAGE)
	$(CMAKE) --build $(EX_CMAKE)
	$(BEX_DEV) pack plugins/tvmaze/manifest.yaml $(WASM_DIR)/bex_tvmaze.wasm $(EX_DIR)/tvmaze.bex
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
	$(EX_EXPECT) '^installed ' $(BEXCLI_CM) install $(EX_DIR)/tvmaze.bex
	$(EX_EXPECT) '^bex\.tvmaze ' $(BEXCLI_CM) list
	$(EX_EXPECT) '"Girls"' $(BEXCLI_CM) search bex.tvmaze girls

clean:
	$(CARGO) clean
