# DataMesh front door. `make test` and `make run` each work on a fresh machine as one command.
BUILD_DIR ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= $(shell nproc)
DEVSTACK := tools/devstack/devstack
# ccache keys on paths relative to the checkout, so clones and build folders share one cache.
export CCACHE_BASEDIR ?= $(CURDIR)
export CCACHE_NOHASHDIR ?= 1

.PHONY: all deps configure build test run stop bench fuzz thrash fmt lint clean images s3-conformance

all: build

deps:
	@tools/deps.sh

$(BUILD_DIR)/build.ninja:
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) \
	  -DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache

configure: $(BUILD_DIR)/build.ninja

build: configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

test: deps
	@$(MAKE) --no-print-directory build
	ctest --test-dir $(BUILD_DIR) --output-on-failure -j $(JOBS) --timeout 900

run: deps
	@$(MAKE) --no-print-directory build
	@$(DEVSTACK) up --dir .devstack --bin $(BUILD_DIR)/bin

stop:
	@$(DEVSTACK) down --dir .devstack

bench: deps
	@$(MAKE) --no-print-directory build
	@tools/bench/run.sh $(BUILD_DIR)
	@$(BUILD_DIR)/services/governance/governance_ledger_bench
	@$(BUILD_DIR)/services/governance/governance_epoch_close_bench
	@$(BUILD_DIR)/services/file-ingest/buckets_listing_bench
	@$(BUILD_DIR)/services/file-ingest/object_put_bench
	@$(BUILD_DIR)/services/file-ingest/file_ingest_reencode_bench
	@services/monitoring/store/store_bench.sh $(BUILD_DIR)

# Fuzz targets (fuzz/README.md) built with clang, libFuzzer, ASan and UBSan in their own folder,
# each run FUZZ_SECONDS; FUZZ_TARGETS="url multipart" runs a subset.
FUZZ_DIR ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?=
fuzz: deps
	@FUZZ_DIR=$(FUZZ_DIR) FUZZ_SECONDS=$(FUZZ_SECONDS) JOBS=$(JOBS) fuzz/run.sh $(FUZZ_TARGETS)

# A long thrash run (tools/thrash): its own stack, the long profile's faults for DURATION while
# three clients check every byte. SEED replays a run; without it one is drawn and printed.
thrash: DURATION ?= 30m
thrash: deps
	@$(MAKE) --no-print-directory configure
	cmake --build $(BUILD_DIR) -j $(JOBS) --target dm_thrash
	@tools/thrash/run.sh --build $(BUILD_DIR) --long --duration $(DURATION) $(if $(SEED),--seed $(SEED))

# Ceph's s3-tests against the S3 listener of a throwaway stack (tools/s3-conformance/README.md).
# SUITE is a checkout of github.com/ceph/s3-tests (not part of this repository, nor of `make test`);
# PYTEST_ARGS are passed on (e.g. PYTEST_ARGS="-k list").
s3-conformance: deps
	@test -n "$(SUITE)" || { echo "usage: make s3-conformance SUITE=/path/to/s3-tests"; exit 2; }
	@$(MAKE) --no-print-directory configure
	cmake --build $(BUILD_DIR) -j $(JOBS) --target auth_bin quota_bin file_ingest_bin \
	  chunk_store_bin dht_bin monitoring_bin governance_bin gateway_bin dm_health
	@DM_S3_CONFORMANCE_BUILD=$(BUILD_DIR) tools/s3-conformance/run.sh $(SUITE) $(PYTEST_ARGS)

# The image of deploy/Dockerfile without a Docker daemon or a registry: buildah, base images
# from debootstrap (deploy/README.md). Needs root and `apt-get install buildah debootstrap`;
# not part of `make test`. BUILD_JOBS compile jobs inside the build (default 1).
images:
	@WORK=$(BUILD_DIR)/image deploy/build-image.sh

fmt:
	@git ls-files '*.cc' '*.h' | xargs clang-format -i

lint: configure
	@git ls-files '*.cc' '*.h' | xargs clang-format --dry-run --Werror
	@cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
	  --suppress=missingIncludeSystem --inline-suppr -I . shared services tools

clean:
	rm -rf $(BUILD_DIR)
