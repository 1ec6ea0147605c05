# kivi's entry points. Every target installs what it needs first
# (scripts/install-deps.sh is idempotent and quick when nothing is missing).
BUILD_DIR ?= build
JOBS ?= 2
BUILD_TYPE ?= RelWithDebInfo
LISTEN ?= 127.0.0.1:7070
BACKEND ?= memory://

FUZZ_SECONDS ?= 60

# The stages share the machine's cores (each build runs -j$(JOBS)) and
# test's stages must run in order; `make -j` must not interleave them.
.NOTPARALLEL:

.PHONY: all deps configure build test test-plain sanitize-asan fuzz \
	sanitize-tsan valgrind run bench soak clean

all: build

deps:
	bash scripts/install-deps.sh

configure: deps
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE)

build: configure
	cmake --build $(BUILD_DIR) -j$(JOBS)

# What CI runs, in order: every test on the release build, the same suite
# again under AddressSanitizer + UndefinedBehaviorSanitizer, each libFuzzer
# target for FUZZ_SECONDS, and the concurrent tests under ThreadSanitizer.
# About half an hour on 2 cores from a clean clone; test-plain alone is
# the quick loop.
test: test-plain sanitize-asan fuzz sanitize-tsan

# Unit tests, the conformance suite on every backend, integration tests
# against real memcached processes (fault proxy and short soak included)
# and the find_package(kivi) consumer.
test-plain: build
	ctest --test-dir $(BUILD_DIR) --output-on-failure -j$(JOBS) --timeout 600

# The sanitizer trees are build-asan and build-tsan (scripts/sanitize.sh).
sanitize-asan: deps
	bash scripts/sanitize.sh asan

# Reuses build-asan, whose libraries carry the fuzzers' coverage hooks.
fuzz: deps
	bash scripts/fuzz.sh $(FUZZ_SECONDS)

sanitize-tsan: deps
	bash scripts/sanitize.sh tsan

# memcheck on the integration and gRPC server tests, release build (not in
# test: LeakSanitizer already runs on the whole suite there).
valgrind: build
	bash scripts/valgrind.sh $(BUILD_DIR)

# kivi-server on the embedded memory backend; talk to it with
# $(BUILD_DIR)/tools/kivi --backend=grpc://$(LISTEN) ...
run: build
	$(BUILD_DIR)/server/kivi-server --listen=$(LISTEN) --backend=$(BACKEND)

# Benchmarks (issue 5): own memcached servers, kivi-server and a bare gRPC
# echo server on loopback; kivi vs libmemcached vs a raw-socket floor.
# Writes bench/results/{latest.json,summary.md,chart.svg} in under ten
# minutes. BENCH_QUICK=1 for a three-minute smoke run.
bench: build
	bash bench/run.sh $(BUILD_DIR)

# The full soak (about a minute; make test runs a short one): three
# memcached servers, one frozen and one killed mid-load, every read checked.
soak: build
	bash scripts/soak.sh $(BUILD_DIR)

clean:
	rm -rf $(BUILD_DIR) build-asan build-tsan
