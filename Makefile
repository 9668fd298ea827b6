# The two commands of the README: `make run` and `make test`. Everything else is CMake.
BUILD_TYPE ?= Release
BUILD_DIR  ?= build/$(shell echo $(BUILD_TYPE) | tr A-Z a-z)
JOBS       ?= $(shell nproc)
CONFIG     ?=

.PHONY: deps configure build programs run test bench bench-durability format clean

deps:
	@scripts/install-deps.sh

configure: deps
	@cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) >/dev/null

# Everything, tests included.
build: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS)

# Just kvnode and kvctl, so that `make run` does not wait for the test binaries.
programs: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS) --target kvnode kvctl

run: programs
	$(BUILD_DIR)/bin/kvnode $(if $(CONFIG),--config $(CONFIG))

test: build
	@cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) --timeout 300

bench:
	@bench/run.sh $(BENCH_ARGS)

bench-durability:
	@bench/durability.sh $(BENCH_ARGS)

format:
	@clang-format -i $$(git ls-files '*.cpp' '*.hpp')

clean:
	rm -rf build
