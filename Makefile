# vitd-sim: two commands on a fresh clone, `make report` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: venv test report lab bench clean

## venv: create or update .venv with the package (editable) and all extras
venv: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[notebooks,dev]"
	touch $(STAMP)

## test: lint and run every test
test: venv
	$(BIN)/ruff check simlib tests benchmarks
	$(BIN)/python -m pytest

## report: population summary and calibration of every scenario -> build/report/
report: venv
	$(BIN)/python -m simlib report --out build/report

## lab: open JupyterLab on the notebooks
lab: venv
	$(BIN)/jupyter lab notebooks

## bench: population-generation and Monte Carlo benchmarks
bench: venv
	$(BIN)/python benchmarks/bench_population.py
	$(BIN)/python benchmarks/bench_montecarlo.py

clean:
	rm -rf build .pytest_cache .ruff_cache
