# lectern — two commands a person needs:
#   make serve   set everything up, build the site a class should download, and serve it at
#                http://127.0.0.1:$(PORT)$(BASE) (compressed on the wire; HOST=0.0.0.0 for a LAN)
#   make test    set everything up and run every test (native, wasm in Chromium, end-to-end)
# Everything comes from package registries (crates.io, npm, Debian); nothing else is downloaded,
# except the official CIFAR-10 archive when no local copy is given (checksum-verified).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PORT ?= 8080
# Where `make serve` listens and the sub-path it serves the site under (README, Hosting).
HOST ?= 127.0.0.1
BASE ?= /
TRUNK_VERSION := 0.21.14
# wasm-bindgen-cli must match the wasm-bindgen crate in Cargo.lock exactly.
WASM_BINDGEN_VERSION := $(shell sed -n '/^name = "wasm-bindgen"$$/{n;s/^version = "\(.*\)"/\1/p;}' Cargo.lock)
BINARYEN_VERSION := 132
CARGO_BIN := $(HOME)/.cargo/bin
export PATH := $(CARGO_BIN):$(PATH)

# CIFAR-10: CIFAR10=<archive or folder>, else the shared development copy, else the official
# archive (downloaded into the cache and checked against CIFAR_SHA256).
SHARED_CIFAR := ../shared/data/cifar-10-binary.tar.gz
CIFAR_CACHE := $(HOME)/.cache/lectern/cifar-10-binary.tar.gz
CIFAR_URL := https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz
# The dataset's page (https://www.cs.toronto.edu/~kriz/cifar.html) publishes only an md5 of the
# archive: CIFAR_MD5. CIFAR_SHA256 is the sha256 of the official archive, computed from a copy
# whose md5 matched that published one, and pinned with the data step (6d6f57e); it was not
# re-checked against the file since (no network to it on the development machines).
# `make data CIFAR10=<archive>` prints the copy's sha256 and md5 beside these, to compare.
CIFAR_SHA256 := c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd
CIFAR_MD5 := c32a1d4ab5d03f1284b67883e8d87530

# Natively, everything builds with the tests' feature set (`ui` included): another set changes
# features of shared dependencies (num-traits, futures…) and would compile Burn a second time.
NATIVE_FEATURES := --features ui
LECTERN := cargo run --quiet $(NATIVE_FEATURES) --bin lectern --
# The debug build `make data` and the tests use (the end-to-end suite runs it too).
LECTERN_BIN = $${CARGO_TARGET_DIR:-$(CURDIR)/target}/debug/lectern
CHROMIUM := /usr/lib/chromium/chromium
CHROMEDRIVER := /usr/bin/chromedriver
# The other engines `make test-engines` drives: Firefox ESR, and WebKit (WebKitGTK's MiniBrowser).
FIREFOX := /usr/bin/firefox-esr
WEBKIT_WEBDRIVER := /usr/bin/WebKitWebDriver
MINIBROWSER := /usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser

.PHONY: help serve dev test setup test-setup browsers tools wasm-target worker-cpu data build release bench \
        test-native test-wasm test-e2e test-engines fmt-check clippy worker-features measure fuzz clean

help:
	@echo "make serve   - set up (toolchain, trunk, wasm-bindgen-cli, data), build the size-optimised site and serve it on port $(PORT), compressed"
	@echo "make dev     - the fast build, served by trunk with live reload (for working on lectern)"
	@echo "make test    - set up (plus Chromium, Firefox ESR and WebKit) and run every test"
	@echo "make release - size-optimised build into dist/ (wasm-opt from npm binaryen@$(BINARYEN_VERSION))"
	@echo "make bench   - training and inference img/s: native CPU backends, then in headless Chromium (1 worker vs 2, and the peers)"
	@echo "make bench-peers - the same ConvNet's img/s in TF.js (cpu, wasm) and ConvNetJS from npm, in the same headless Chromium (tests/peers)"
	@echo "make fuzz    - the input fuzzer's full run: millions of cases a reader (about 9 minutes of CPU; make test runs a smoke run of it)"
	@echo "make measure - the default toy run, then the default CIFAR-10 runs of the ConvNet cell and the imbalance lab, in headless Chromium"
	@echo "make data CIFAR10=<path> - write the site's CIFAR-10 subset into static/data"

# ---------------------------------------------------------------- set-up (idempotent)

# The tools, the data step (which compiles the native core) and the CPU worker bundle build side
# by side: each leaves a core idle at times (a long crate, a link), and together they keep both
# cores busy. (Cargo builds a native debug and a wasm32 `fast` target dir at the same time.)
setup:
	@$(MAKE) --no-print-directory -j3 tools data worker-cpu

wasm-target:
	@rustup target list --installed | grep -qx wasm32-unknown-unknown \
	  || rustup target add wasm32-unknown-unknown

# The CPU-only worker bundle's compile (Burn without WebGPU for wasm32) exactly as Trunk asks for
# it (profile, features, flags), so that Trunk finds it done.
worker-cpu: wasm-target
	cargo build --quiet --profile fast --target wasm32-unknown-unknown --no-default-features \
	  --features worker --bin worker_cpu

# Tools are built once, without LTO (trunk's own profile asks for fat LTO and one codegen unit:
# over 20 minutes on two cores) and without TLS (nothing is downloaded at run time): trunk at
# opt-level 0 (it only orchestrates: cargo, wasm-bindgen and wasm-opt do the work),
# wasm-bindgen-cli at opt-level 1 (it rewrites the 40 MB worker module on every build).
TOOL_PROFILE := CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16
tools: wasm-target
	@if [ "$$(trunk --version 2>/dev/null)" != "trunk $(TRUNK_VERSION)" ]; then \
	  echo "installing trunk $(TRUNK_VERSION) from crates.io (about 10 minutes)"; \
	  $(TOOL_PROFILE) CARGO_PROFILE_RELEASE_OPT_LEVEL=0 \
	    cargo install --locked trunk --version $(TRUNK_VERSION) --no-default-features; fi
	@if [ "$$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $(WASM_BINDGEN_VERSION)" ]; then \
	  echo "installing wasm-bindgen-cli $(WASM_BINDGEN_VERSION) from crates.io (about 8 minutes)"; \
	  $(TOOL_PROFILE) CARGO_PROFILE_RELEASE_OPT_LEVEL=1 \
	    cargo install wasm-bindgen-cli --version =$(WASM_BINDGEN_VERSION) --no-default-features; fi
	@grep -q 'wasm_bindgen = "$(WASM_BINDGEN_VERSION)"' Trunk.toml \
	  || { echo "Trunk.toml [tools] wasm_bindgen must be $(WASM_BINDGEN_VERSION), as in Cargo.lock"; exit 1; }

data:
	@if [ -n "$${CIFAR10:-}" ]; then \
	  if [ -f "$$CIFAR10" ] && command -v md5sum >/dev/null; then \
	    echo "md5 of $$CIFAR10: $$(md5sum < "$$CIFAR10" | cut -d ' ' -f 1)"; fi; \
	  $(LECTERN) data --source "$$CIFAR10" --out static/data; \
	  if [ -f "$$CIFAR10" ]; then \
	    echo "(the official cifar-10-binary.tar.gz: sha256 $(CIFAR_SHA256), md5 $(CIFAR_MD5))"; fi; \
	elif [ -e "$(SHARED_CIFAR)" ]; then \
	  $(LECTERN) data --source "$(SHARED_CIFAR)" --out static/data; \
	elif [ -e "$(CIFAR_CACHE)" ] || { mkdir -p "$$(dirname "$(CIFAR_CACHE)")" && \
	    echo "no CIFAR-10 given: downloading the official archive (162 MB)" && \
	    curl -fL --connect-timeout 15 --max-time 1800 -o "$(CIFAR_CACHE).part" "$(CIFAR_URL)" && \
	    mv "$(CIFAR_CACHE).part" "$(CIFAR_CACHE)"; }; then \
	  $(LECTERN) data --source "$(CIFAR_CACHE)" --sha256 $(CIFAR_SHA256) --out static/data \
	    || { rm -f "$(CIFAR_CACHE)"; echo "the downloaded archive was refused (above); the notebook runs on its built-in toy data"; }; \
	else \
	  rm -f "$(CIFAR_CACHE).part"; \
	  echo "CIFAR-10 could not be downloaded, and none was given (make data CIFAR10=<cifar-10-binary.tar.gz or folder>)."; \
	  echo "The notebook still runs, on its built-in toy data."; \
	fi

# The browsers from Debian, in one apt run; the e2e suite's npm packages (none downloads a browser,
# and no install script runs).
# `make test`'s set-up: `setup`'s builds, with the browsers and the e2e suite's npm packages
# installed beside them (network and disk, not the cores): the install costs no time of its own.
test-setup:
	@$(MAKE) --no-print-directory -j4 tools data worker-cpu browsers

# The browsers from Debian, in one apt run (only what is missing); the e2e suite's npm packages
# (none downloads a browser, and no install script runs).
browsers:
	@missing=""; \
	  { [ -x $(CHROMIUM) ] && [ -x $(CHROMEDRIVER) ]; } || missing="$$missing chromium chromium-driver"; \
	  [ -x $(FIREFOX) ] || missing="$$missing firefox-esr"; \
	  { [ -x $(WEBKIT_WEBDRIVER) ] && [ -x $(MINIBROWSER) ]; } || missing="$$missing webkit2gtk-driver"; \
	  command -v xvfb-run >/dev/null || missing="$$missing xvfb"; \
	  command -v xauth >/dev/null || missing="$$missing xauth"; \
	  if [ -n "$$missing" ]; then \
	    echo "installing from Debian:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; fi
	@cd tests/e2e && { [ node_modules/.package-lock.json -nt package-lock.json ] || npm ci --no-audit --no-fund --ignore-scripts; }

# ---------------------------------------------------------------- build and serve

# The fast profile: optimised, no wasm-opt. For serving in class and for the tests.
build: setup
	trunk build

# What a class downloads: the size-optimised bundles (make release), compressed on the wire by
# `lectern serve`, which also serves the site under a sub-path (BASE=/course/lectern/).
serve: release
	$(LECTERN) serve dist --host $(HOST) --port $(PORT) --base $(BASE)

# For working on lectern: the fast build, rebuilt and reloaded on every change.
dev: setup
	@echo "lectern: serving the fast build at http://127.0.0.1:$(PORT)/ (first build: about 10 minutes)"
	trunk serve --port $(PORT)

# Size-optimised bundles (about 30 minutes on 2 cores: wasm-opt is slow on the worker). Needs npm
# (binaryen's wasm-opt comes from the npm registry).
release: setup
	@command -v npm >/dev/null || { echo "make release needs npm (Node.js) for binaryen's wasm-opt: install Node.js, or use make dev"; exit 1; }
	@npm install --no-save --no-audit --no-fund --prefix .tools binaryen@$(BINARYEN_VERSION)
	PATH="$(CURDIR)/.tools/node_modules/.bin:$$PATH" trunk build --release
	@ls -l dist/*.wasm

# ---------------------------------------------------------------- tests

# Each step is timed, so a slow CI run says where its time went.
test:
	@for step in test-setup fmt-check clippy worker-features test-native test-wasm test-e2e test-engines; do \
	  started=$$(date +%s); \
	  $(MAKE) --no-print-directory $$step; \
	  echo "make test: $$step took $$(( $$(date +%s) - started )) s"; \
	done
	@echo "make test: all passed"

fmt-check:
	cargo fmt --all -- --check

# Clippy with warnings as errors (the lints: Cargo.toml's [lints]): natively every target of the
# tests' set, and for wasm32 the UI bundle. The worker's code (WebGPU set), its browser tests and
# the browser bench are linted where test-wasm builds them: clippy-driver wraps the compiles of
# lectern itself (CLIPPY_WRAP), so Burn's WebGPU stack is not checked a second time (about 7
# minutes on a fresh machine). The CPU worker's own lines are a cfg'd fallback in worker/backend.
WASM_CLIPPY := cargo clippy --quiet --target wasm32-unknown-unknown --no-default-features
CLIPPY_WRAP := RUSTC_WORKSPACE_WRAPPER=clippy-driver CLIPPY_ARGS=-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__
clippy: wasm-target
	cargo clippy --quiet $(NATIVE_FEATURES) --all-targets -- -D warnings
	$(WASM_CLIPPY) --features ui --lib --bins -- -D warnings

# The two worker bundles ask for the same features of every crate they share (Burn's aside), so
# none compiles twice (Cargo feature align-deps). Reads Cargo's feature resolution; builds nothing.
worker-features:
	tests/worker_features.sh

# The core, the CLI and the UI's state logic, natively (with the input fuzzer's smoke run,
# tests/fuzz: a few seconds).
test-native:
	cargo test $(NATIVE_FEATURES)

# The input fuzzer's full run (docs/testing.md, *Fuzzing*): every reader of files, links, messages and
# stored tables, millions of cases each, no panic and no allocation past each reader's bound.
# FUZZ_TARGET=<name> runs one (archive, records, checkpoint, messages, url, number, table).
fuzz:
	FUZZ=full cargo test $(NATIVE_FEATURES) --test fuzz

# The worker's backend probe in headless Chromium, in a dedicated worker, on CPU and WebGPU; a
# lost GPU and a GPU that stops answering, each in a worker of its own (they end its GPU).
test-wasm:
	$(CLIPPY_WRAP) cargo test --quiet --profile fast --target wasm32-unknown-unknown --no-default-features \
	  --features webgpu --bench wasm_bench --no-run
	$(CLIPPY_WRAP) CHROMEDRIVER=$(CHROMEDRIVER) \
	CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
	WASM_BINDGEN_TEST_TIMEOUT=400 \
	cargo test --profile fast --target wasm32-unknown-unknown --no-default-features --features webgpu \
	  --test wasm_worker --test wasm_control --test wasm_gpu_lost --test wasm_gpu_stalled

# The built site, driven in headless Chromium; screenshots in target/e2e-screenshots/. Built as
# `make build` builds it, with the test fault `?inject=device-lost` compiled in
# (LECTERN_TEST_SUPPORT, read at compile time: a class's site never has it; ARCHITECTURE.md).
test-e2e: setup
	LECTERN_TEST_SUPPORT=1 trunk build
	cargo build --quiet $(NATIVE_FEATURES) --bin lectern
	cd tests/e2e && CHROMIUM=$(CHROMIUM) LECTERN_BIN="$(LECTERN_BIN)" node --test --test-concurrency=1

# The same short scenario through every cell in Firefox ESR (WebDriver BiDi) and in WebKit, Safari's
# engine (WebKitWebDriver + MiniBrowser on a virtual display), one engine after the other, on the
# dist/ that test-e2e built (this step never builds it). Screenshots: target/e2e-screenshots/.
test-engines:
	@[ -e dist/index.html ] || { echo "test-engines drives the built site: make build (or make test-e2e) first"; exit 1; }
	cargo build --quiet $(NATIVE_FEATURES) --bin lectern
	@cd tests/e2e && failed=""; for engine in firefox webkit; do \
	  started=$$(date +%s); \
	  FIREFOX=$(FIREFOX) WEBKIT_WEBDRIVER=$(WEBKIT_WEBDRIVER) MINIBROWSER=$(MINIBROWSER) LECTERN_BIN="$(LECTERN_BIN)" \
	    xvfb-run -a -s "-screen 0 1920x1200x24" node --test engines/$$engine.mjs || failed="$$failed $$engine"; \
	  echo "make test-engines: $$engine took $$(( $$(date +%s) - started )) s"; \
	done; \
	[ -z "$$failed" ] || { echo "make test-engines: failed in$$failed"; exit 1; }

# The README's browser figures: the ConvNet cell's default toy run, then on the CIFAR-10 subset
# its default run and the lab's default IF-100 compare (about 15 minutes on 2 cores). Measures;
# checks nothing.
measure: build
	@[ -e static/data/meta.json ] || { echo "make measure needs the CIFAR-10 subset: make data CIFAR10=<path>"; exit 1; }
	cd tests/e2e && CHROMIUM=$(CHROMIUM) node --test --test-concurrency=1 measure.mjs 2>&1 | grep -E "MEASURE|^# (pass|fail)"

# Throughput (img/s, medians): natively on burn-ndarray and burn-flex, then in headless Chromium
# in a dedicated worker (burn-ndarray as WebAssembly, and WebGPU), then the built site's default
# ConvNet run in 1 worker and in 2 (data-parallel: training, evaluation, the exchange's share of a
# step, a projection for 4 and 8 cores; tests/e2e/bench_workers.mjs, on the CIFAR-10 subset if
# `make data` made it), then the peers (bench-peers). Measures; checks nothing.
bench: test-setup build
	cargo run --profile fast --bin lectern -- bench
	CHROMEDRIVER=$(CHROMEDRIVER) \
	CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
	WASM_BINDGEN_TEST_TIMEOUT=1200 \
	cargo test --profile fast --target wasm32-unknown-unknown --no-default-features --features webgpu \
	  --bench wasm_bench -- --nocapture 2>&1 | grep -E "^(BENCH|PROFILE)|test result"
	cd tests/e2e && CHROMIUM=$(CHROMIUM) node --test --test-concurrency=1 bench_workers.mjs 2>&1 | grep -E "BENCH|^# (pass|fail)"
	@$(MAKE) --no-print-directory bench-peers

# The peers' img/s on the default ConvNet's shape: TF.js 4.22 (cpu; wasm, single-threaded and
# threaded) and ConvNetJS 0.3 from npm, in the same headless Chromium (tests/peers/README.md; about
# 2 minutes). Measures; checks nothing.
.PHONY: bench-peers
bench-peers:
	cd tests/peers && npm ci --ignore-scripts --no-audit --no-fund && CHROMIUM=$(CHROMIUM) node run.mjs

clean:
	cargo clean
	rm -rf dist .tools
