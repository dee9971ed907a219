# The two commands of the README's Quick start, and a few helpers.
#   make run    install what is missing, build (Release), start the services
#   make test   install what is missing, build, run every test
BUILD_DIR ?= build
BUILD_TYPE ?= Release
CMAKE ?= cmake
# Tests run in parallel, one per core; CTest keeps apart what must not
# overlap (RESOURCE_LOCK, PROCESSORS in the tests' CMakeLists).
TEST_JOBS ?= $(shell nproc)

.PHONY: all deps deps-build build run build-run test test-unit format clean

all: build

deps-build:
	@scripts/install-deps.sh build

deps:
	@scripts/install-deps.sh all

CONFIGURE = $(CMAKE) -S . -B $(BUILD_DIR) -G Ninja \
  -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DOCR_WERROR=ON $(CMAKE_ARGS)

build: deps
	$(CONFIGURE) -DOCR_BUILD_TESTS=ON -DOCR_BUILD_BENCH=ON >/dev/null
	$(CMAKE) --build $(BUILD_DIR)

# Only what running needs: no test or benchmark packages.
run: deps-build
	@$(MAKE) --no-print-directory build-run
build-run:
	$(CONFIGURE) -DOCR_BUILD_TESTS=OFF -DOCR_BUILD_BENCH=OFF >/dev/null
	$(CMAKE) --build $(BUILD_DIR) --target ocr-model-server ocr-gateway ocr
	@scripts/run-local.sh $(BUILD_DIR)

test: build
	cd $(BUILD_DIR) && ctest --output-on-failure --timeout 300 -j $(TEST_JOBS)

test-unit: build
	cd $(BUILD_DIR) && ctest --output-on-failure -L unit -j $(TEST_JOBS)

format:
	clang-format -i $$(git ls-files '*.cc' '*.h')

clean:
	rm -rf $(BUILD_DIR)
