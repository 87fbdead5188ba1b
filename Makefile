# juicectl: `make demo` sets a fresh Debian machine up and converges examples/quickstart.yaml;
# `make test` runs every unit and integration test (as root, for the real mounts).
TOOLS_BIN := $(CURDIR)/.tools/venv/bin
export PATH := $(TOOLS_BIN):$(PATH)
SWIFT ?= swift
JUICECTL := $(CURDIR)/.build/debug/juicectl

.PHONY: setup build demo test unit bench clean-demo schema

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

bench: setup
	scripts/bench.sh

# Rewrites schemas/ from the tool (a test fails when they differ).
schema: build
	$(JUICECTL) schema > schemas/juicectl-spec-v1.schema.json

clean-demo:
	-$(JUICECTL) down examples/quickstart.yaml
