# Two commands on a fresh machine with Python 3.11+: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test check bench preview mutate clean

$(BIN)/budget-planner: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

run: $(BIN)/budget-planner
	$(BIN)/budget-planner check
	$(BIN)/budget-planner build

check: run

test: $(BIN)/budget-planner
	$(BIN)/python -m pytest -q

bench: $(BIN)/budget-planner
	$(BIN)/python -m benchmarks.run

# Pictures to look at before anything is sent on (needs LibreOffice, Chromium and pdftoppm from
# poppler-utils): every workbook and report printed, one PNG a page, in output/preview/; and
# the what-if page as headless Chromium shows it at 1280 pixels, docs/serve.png.
preview: $(BIN)/budget-planner
	$(BIN)/python -m tests.support.print_preview
	$(BIN)/python -m tests.support.preview docs/serve.png

# Mutation testing of the core guards (money, reconcile, files, the whole-cent split); see
# docs/mutation.md. Minutes, not part of `make test`.
mutate: $(BIN)/budget-planner
	$(BIN)/python -m pip install --quiet 'mutmut>=3.8,<4'
	rm -rf mutants
	$(BIN)/mutmut run
	$(BIN)/python -m tests.support.mutation

clean:
	rm -rf $(VENV) mutants output/preview output/*.xlsx output/*.html output/*.md output/*.json output/*.csv output/*.svg output/*.png
