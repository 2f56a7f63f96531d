# seer: `make demo` and `make test` work on a fresh Debian 12 machine as root.
BUILD     ?= build
TYPE      ?= Release
JOBS      ?= $(shell nproc)
CMAKE_FLAGS ?=
export CCACHE_SLOPPINESS := pch_defines,time_macros,include_file_mtime,include_file_ctime
export CCACHE_DIR ?= $(HOME)/.cache/seer-ccache
# Relative paths in the cache key, so that every clone of the project shares the cache.
export CCACHE_BASEDIR ?= $(CURDIR)

.PHONY: all deps configure build test demo bench asan fuzz faults clean

all: build

deps:
	@scripts/install-deps

configure: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=$(TYPE) $(CMAKE_FLAGS) > $(BUILD).configure.log 2>&1 || (cat $(BUILD).configure.log; exit 1)

build: configure
	@cmake --build $(BUILD) -j $(JOBS)

# The skip report lists every skipped test and its reason, and marks skips beyond
# tests/expected-skips (a report, not a failure: without ../shared/data the real-data tests skip).
test: build
	@cd $(BUILD) && { status=0; ctest --output-on-failure -j $(JOBS) --timeout 600 --output-junit ctest-junit.xml || status=$$?; \
	  $(CURDIR)/scripts/skip-report ctest-junit.xml; exit $$status; }

# The demo needs only what seer itself needs: not the Python peers the tests and benchmarks use.
demo: export SEER_NO_PEERS := 1
demo: build
	@scripts/demo $(BUILD)/seer

bench: build
	@cmake --build $(BUILD) -j $(JOBS) --target benchmarks

# AddressSanitizer + UndefinedBehaviorSanitizer build and test run.
asan:
	@$(MAKE) test BUILD=build-asan TYPE=RelWithDebInfo CMAKE_FLAGS=-DSEER_SANITIZE=ON

# libFuzzer targets for the readers (clang, ASan + UBSan), each run FUZZ_SECONDS (default 60).
fuzz: export SEER_FUZZ := 1
fuzz: deps
	@scripts/fuzz

# Fault tests: each task's training killed with SIGKILL at random moments and resumed
# (scripts/fault-kill), and run on a disk that fills up (scripts/fault-disk; root: a tmpfs).
faults: build
	@scripts/fault-kill $(BUILD)/seer
	@scripts/fault-disk $(BUILD)/seer

clean:
	rm -rf $(BUILD) build-asan build-fuzz
