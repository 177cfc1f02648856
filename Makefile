# Everything runs from a virtualenv made here with python3; nothing else is needed.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed
RULES  ?= rules/rugao-2018
FACTS  ?= examples/rugao-2018/city-sample.yaml
TEST_JOBS ?= auto

.PHONY: setup demo test check lint typecheck screenshot fuzz hostile clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

## Score the bundled worked case and explain one item.
demo: $(STAMP)
	$(BIN)/qualscore validate $(RULES)
	$(BIN)/qualscore evaluate $(RULES) $(FACTS)
	$(BIN)/qualscore evaluate $(RULES) $(FACTS) --explain 24.1
	@echo
	@echo 'Next: run ". .venv/bin/activate" to put qualscore on your PATH, then "qualscore --help"; README.md shows the rest.'

# pytest on TEST_JOBS workers, writing bytecode (even where PYTHONDONTWRITEBYTECODE is set):
# each worker and each command a test runs in a new process then imports compiled modules.
PYTEST  = PYTHONDONTWRITEBYTECODE= $(BIN)/pytest -q -n $(TEST_JOBS)

.PHONY: test-slow test-all

## The test suite on TEST_JOBS workers (every core by default) without the tests marked slow
## (the long fuzz, differential, scale and memory tests: tests/README.md lists them), then
## the linters. `make test-slow` runs the slow ones, `make test-all` everything; CI runs both.
test: $(STAMP)
	$(PYTEST) -m "not slow"
	$(MAKE) --no-print-directory check

## Only the tests marked slow.
test-slow: $(STAMP)
	$(PYTEST) -m slow

## Every test, slow ones included, then the linters.
test-all: $(STAMP)
	$(PYTEST)
	$(MAKE) --no-print-directory check

check: lint typecheck

lint: $(STAMP)
	$(BIN)/ruff check src tests

typecheck: $(STAMP)
	$(BIN)/mypy
	$(BIN)/mypy --strict tests/typing/user_script.py

## The HTML report of the worked case, and a PNG of it for the README (needs chromium).
screenshot: $(STAMP)
	$(BIN)/qualscore evaluate $(RULES) $(FACTS) --format html --out docs/report.html
	chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
	  --disable-background-networking --disable-component-update --disable-sync \
	  --user-data-dir=$$(mktemp -d) --hide-scrollbars --window-size=1000,1400 \
	  --screenshot=docs/report.png file://$(CURDIR)/docs/report.html

## The long fuzz run: rule and facts loaders, batch CSV/XLSX tables, every output format
## (tests/test_fuzz.py, tests/test_fuzz_outputs.py; FUZZ_EXAMPLES per target, 5000 by default).
fuzz: $(STAMP)
	QUALSCORE_FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-5000} $(BIN)/pytest -q -p no:cacheprovider \
	  tests/test_fuzz.py tests/test_fuzz_outputs.py --hypothesis-show-statistics

## Replay the hostile corpus (tests/hostile/), one line per attack.
hostile: $(STAMP)
	$(BIN)/python -m tests.hostile

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

.PHONY: ruletest schema

## Run a rule set's own tests (RULES/tests/*.yaml), requiring every branch reached.
ruletest: $(STAMP)
	$(BIN)/qualscore test $(RULES) --min-coverage 100

## Rewrite schema/*.schema.json from the models (the editor's JSON Schemas).
schema: $(STAMP)
	$(BIN)/qualscore schema --out schema

.PHONY: bench

## qualscore against a hand-written floor and GoRules ZEN, and how it scales, then whole
## batches against a plain CSV copy (benchmarks/README.md): several minutes. QUICK=1 for small sizes; BENCH_ARGS for more.
bench: $(STAMP)
	$(BIN)/python -c 'import zen' 2>/dev/null || \
	  $(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[bench]'
	$(BIN)/python -m benchmarks.run $(if $(QUICK),--quick) $(BENCH_ARGS)
	$(BIN)/python -m benchmarks.tables $(if $(QUICK),--entities 10000 --million 100000 --xlsx 2000)
