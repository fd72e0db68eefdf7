# Thin wrapper around CMake. The two commands of the README:
#   make demo   install missing packages (as root), build, run the end-to-end demo
#   make test   install missing packages (as root), build, run the whole test suite
# Others: make build, make test-sanitize (ASan+UBSan build + suite), make bench (runs the
# benchmarks, rewrites docs/data/*.json and docs/img/*.png), make clean.
BUILD     ?= build
SANBUILD  ?= build-sanitize
JOBS      ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_ARGS ?=

.PHONY: all deps build demo test test-sanitize bench format clean

all: build

deps:
	@bash scripts/install-deps.sh

$(BUILD)/CMakeCache.txt: | deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release $(CMAKE_ARGS)

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

demo: build
	OPENBLAS_NUM_THREADS=1 $(BUILD)/bin/romkit demo

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

test-sanitize: deps
	cmake -S . -B $(SANBUILD) -DCMAKE_BUILD_TYPE=Sanitize $(CMAKE_ARGS)
	cmake --build $(SANBUILD) -j $(JOBS)
	cd $(SANBUILD) && ctest --output-on-failure -j $(JOBS) -E '^python$$'

bench: build
	bash scripts/run_benchmarks.sh $(BUILD)

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD) $(SANBUILD)
