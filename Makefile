# vaxchain — thin front door over CMake presets. See README.md.
#   make demo   install deps, build, generate the 1 % demo population into demo.db, make it
#               bookable (slots, supply, cohorts open on DEMO_DATE) and serve http://127.0.0.1:8080
#   make test   install deps, check formatting, build with ASan+UBSan, run all tests
#   make bench  release build, run the benchmarks (bench/)
#   make bench-booking   release build, the booking storm (BENCH_BOOKING_ARGS=--quick: < 30 s)
#   make crash-test      release build, 10 rounds of booking storm + kill -9 + restart + check
#   make fuzz   build libFuzzer targets and run each for FUZZ_TIME seconds
#   make fmt    clang-format every source file in place

FUZZ_TIME ?= 60
DEMO_DB ?= demo.db
DEMO_SCALE ?= 0.01
DEMO_SEED ?= 1
DEMO_DATE ?= 2021-03-08
DEMO_KEYS ?= demo-keys
BENCH_SCALE ?= 1.0
BENCH_BOOKING_ARGS ?=
CRASH_ROUNDS ?= 10
JOBS ?= $(shell nproc)
SOURCES = $(shell git ls-files '*.c' '*.h' 2>/dev/null || find src include tests bench -name '*.[ch]')

.PHONY: all deps build release demo test asan fmt fmt-check lint bench bench-booking crash-test \
	bench-doses bench-stats bench-smoke fuzz fuzz-build clean

all: build

deps:
	@bash scripts/install-deps.sh

build: deps
	cmake --preset dev >/dev/null
	cmake --build --preset dev -j $(JOBS)

release: deps
	cmake --preset release >/dev/null
	cmake --build --preset release -j $(JOBS)

demo: release
	rm -rf $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm $(DEMO_KEYS)
	./build/release/vaxchain init --db $(DEMO_DB)
	./build/release/vaxchain demo-data --db $(DEMO_DB) --scale $(DEMO_SCALE) --seed $(DEMO_SEED)
	./build/release/vaxchain summary --db $(DEMO_DB) --date 2020-12-31
	./build/release/vaxchain demo-setup --db $(DEMO_DB) --date $(DEMO_DATE)
	./build/release/vaxchain stats load-official --db $(DEMO_DB)
	./build/release/vaxchain plan import --db $(DEMO_DB)
	./build/release/vaxchain serve --db $(DEMO_DB) --dev-login --date $(DEMO_DATE) --keys $(DEMO_KEYS)

asan: deps
	cmake --preset asan >/dev/null
	cmake --build --preset asan -j $(JOBS)

test: deps fmt-check lint asan
	ctest --preset asan -j $(JOBS)

fmt:
	clang-format -i $(SOURCES)

fmt-check:
	@clang-format --dry-run -Werror $(SOURCES) && echo "format: ok"

lint:
	@bash scripts/check-banned.sh

bench: release
	./build/release/bench_import --scale $(BENCH_SCALE)
	./build/release/bench_cert

# The national-scale dose and statistics benchmarks (tens of minutes, GBs of disk).
bench-doses: release
	./build/release/bench_doses $(BENCH_DOSES_ARGS)

bench-stats: release
	./build/release/bench_stats $(BENCH_STATS_ARGS)

# Every benchmark in its quick mode: proves they run (CI); the figures mean little there.
bench-smoke: release
	./build/release/bench_cert --seconds 1
	./build/release/bench_doses --quick
	./build/release/bench_stats --quick
	./build/release/bench_booking --quick --no-baseline --reads-s 1

bench-booking: release
	./build/release/bench_booking $(BENCH_BOOKING_ARGS)

crash-test: release
	./build/release/bench_booking --crash $(CRASH_ROUNDS)

fuzz-build: deps
	cmake --preset fuzz >/dev/null
	cmake --build --preset fuzz -j $(JOBS)

fuzz: fuzz-build
	bash scripts/run-fuzz.sh $(FUZZ_TIME)

clean:
	rm -rf build
