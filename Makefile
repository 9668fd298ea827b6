# The two commands of the README: `make run` and `make test`. Everything else is CMake, but for
# the container image: `make image` and `make image-test` (docs/deploy.md).
BUILD_TYPE ?= Release
BUILD_DIR  ?= build/$(shell echo $(BUILD_TYPE) | tr A-Z a-z)
JOBS       ?= $(shell nproc)
CONFIG     ?=
VERSION    := $(shell grep -m1 -o 'project.kvactor VERSION [0-9.]*' CMakeLists.txt | cut -d' ' -f3)
IMAGE      ?= kvactor:$(VERSION)

.PHONY: deps configure build programs run test image image-test bench bench-durability format \
  clean

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

# podman (installed and set up when missing) or docker: scripts/image/. Not part of `make test`:
# it takes minutes and sets up containers as root.
image:
	@scripts/image/build.sh $(IMAGE)

# Runs the image as a user would, each check printed, and exits non-zero if any failed.
image-test: image
	@tests/deploy/image_container_test.sh $(IMAGE)

bench:
	@bench/run.sh $(BENCH_ARGS)

bench-durability:
	@bench/durability.sh $(BENCH_ARGS)

format:
	@clang-format -i $$(git ls-files '*.cpp' '*.hpp')

clean:
	rm -rf build
