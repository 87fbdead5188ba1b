# juicectl: `make demo` sets a fresh Debian machine up and converges examples/quickstart.yaml;
# `make test` runs every unit and integration test (as root, for the real mounts).
TOOLS_BIN := $(CURDIR)/.tools/venv/bin
export PATH := $(TOOLS_BIN):$(PATH)
SWIFT ?= swift
JUICECTL := $(CURDIR)/.build/debug/juicectl

.PHONY: setup build demo test unit lint format bench clean-demo schema fuzz

setup:
	@scripts/setup.sh

build:
	$(SWIFT) build

demo: setup build
	$(JUICECTL) apply examples/quickstart.yaml
	$(JUICECTL) status examples/quickstart.yaml

test: setup
	$(SWIFT) build --build-tests
	$(SWIFT) test --no-parallel

unit:
	$(SWIFT) test --skip IntegrationTests

# swift-format's lint with .swift-format (a finding fails) and no line over its 140 columns; CI runs it first.
lint:
	scripts/lint.sh

# Rewrites Sources and Tests with swift-format and .swift-format.
format:
	$(SWIFT) format --in-place --recursive --parallel Package.swift Sources Tests

# Every benchmark in one run (as root, about 12 minutes on 2 cores): .bench/report.md, .bench/*.svg, .bench/results.json.
# Knobs (BENCH_RUNS, BENCH_CHECKPOINT_FILES, ...) are listed at the top of scripts/bench.sh.
bench: setup
	scripts/bench.sh

# A longer run of the spec fuzzer (Tests/JuiceCtlCoreTests/SpecFuzzTests.swift): 100,000 documents with a fresh seed,
# printed in its summary; JUICECTL_FUZZ_SEED=N reproduces a run, JUICECTL_FUZZ_COUNT=N changes its size.
fuzz:
	JUICECTL_FUZZ_COUNT=$${JUICECTL_FUZZ_COUNT:-100000} JUICECTL_FUZZ_SEED=$${JUICECTL_FUZZ_SEED:-$$(date +%s)} \
		$(SWIFT) test --filter SpecFuzzTests

# Rewrites schemas/ from the tool (a test fails when they differ).
schema: build
	$(JUICECTL) schema > schemas/juicectl-spec-v1.schema.json

clean-demo:
	-$(JUICECTL) down examples/quickstart.yaml
