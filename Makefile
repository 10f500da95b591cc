# Two commands on a fresh machine with Python 3.11+: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test check bench preview clean

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

clean:
	rm -rf $(VENV) output/preview output/*.xlsx output/*.html output/*.md output/*.json output/*.csv output/*.svg output/*.png
