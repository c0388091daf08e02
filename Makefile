# Switchboard developer commands. Every target prepares what it needs first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Debian packages: to run on the simulated hat, and in addition for the tests
# (reference DSP, speech and music for talk-off, a browser for the web UI).
RUN_DEBS := python3-venv espeak-ng sox libsndfile1
TEST_DEBS := nodejs device-tree-compiler libspandsp2 libsndfile1 espeak-ng sox asterisk-moh-opsound-wav asterisk-core-sounds-en-wav asterisk-core-sounds-ru-wav chromium
TEST_DEBS += gcc libc6-dev  # make bench times spandsp's echo canceller from C
TEST_DEBS += libportaudio2  # a real HIL rig plays and records through its audio interface
STAMP := $(VENV)/.installed-$(shell cksum < pyproject.toml | cut -d' ' -f1)
# MicroPython's WebAssembly port from the npm registry: the `aio` core is tested under it.
MICROPYTHON_VERSION := 1.27.0
MICROPYTHON := .cache/micropython/node_modules/@micropython/micropython-webassembly-pyscript/micropython.mjs
# The DSP runs inside the 20 ms media tick (the echo canceller's least-squares fits call
# LAPACK): BLAS worker threads would only contend with it and with each other.
export OPENBLAS_NUM_THREADS := 1

.PHONY: run test test-slow bench lint format typecheck clean debs-run debs-test screenshots prompts micropython hil
# The hardware-in-the-loop suite's rig: "sim" (the simulated unit) or a fixture's serial device.
RIG ?= sim
# A simulated rig per worker; a serial fixture is one port, so one worker.
HIL_WORKERS = $(if $(filter sim,$(RIG)),2,0)

run: $(STAMP) prompts
	@$(BIN)/switchboard run

test: $(STAMP) debs-test prompts micropython
	@$(BIN)/python -m pytest -n 2 -m "not slow"
	@$(MAKE) --no-print-directory hil RIG=sim

# The acceptance cases per port against a rig; report.html, PNG plots and JUnit XML in hil-report/, a one-line verdict.
hil: $(STAMP) debs-test prompts
	@mkdir -p hil-report
	@if $(BIN)/python -m pytest -q -n $(HIL_WORKERS) -p no:cacheprovider hil_tests/cases --rig "$(RIG)" \
		--junitxml=hil-report/junit.xml --hil-report=hil-report; then echo "HIL verdict ($(RIG)): PASS"; \
	else echo "HIL verdict ($(RIG)): FAIL (hil-report/report.html)"; exit 1; fi

test-slow: $(STAMP) debs-test prompts
	@$(BIN)/python -m pytest -n 2 -m slow

bench: $(STAMP) debs-test prompts
	@$(BIN)/python -m bench

screenshots: $(STAMP) debs-test prompts
	@$(BIN)/python scripts/screenshots.py

lint: $(STAMP)
	@$(BIN)/ruff check .
	@$(BIN)/ruff format --check .
	@$(BIN)/lint-imports --no-cache

format: $(STAMP)
	@$(BIN)/ruff format .
	@$(BIN)/ruff check --fix .

typecheck: $(STAMP)
	@$(BIN)/mypy

# Spoken prompts (ru, uk, en) from voice/prompts/texts.tsv; only missing ones are made.
prompts: debs-run
	@scripts/make-prompts

micropython: $(MICROPYTHON)

$(MICROPYTHON): | debs-test
	@command -v npm >/dev/null || { echo "npm is needed to install MicroPython's WebAssembly port" >&2; exit 1; }
	@npm install --silent --no-audit --no-fund --prefix .cache/micropython \
		@micropython/micropython-webassembly-pyscript@$(MICROPYTHON_VERSION)

debs-run:
	@scripts/ensure-debian-packages $(RUN_DEBS)

debs-test:
	@scripts/ensure-debian-packages $(TEST_DEBS)

$(STAMP): pyproject.toml | debs-run
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install -q --disable-pip-version-check -e '.[dev]'
	@rm -f $(VENV)/.installed-*
	@touch $@

clean:
	rm -rf $(VENV) var .cache .pytest_cache .ruff_cache .mypy_cache

# The Raspberry Pi SD-card image (as root; not part of `make test`): image/README.md gives
# the run times and disk space. image-test boots the newest image under qemu-system-aarch64.
.PHONY: image image-test
image:
	@nice -n 10 image/build.sh

image-test:
	@scripts/ensure-debian-packages qemu-system-arm mtools fdisk xz-utils
	@python3 image/test/image_test.py
