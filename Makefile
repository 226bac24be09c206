# vitd-sim: two commands on a fresh clone, `make report` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# JupyterLab opens the jupytext .py notebooks as notebooks on a double-click
LAB_OVERRIDES := $(VENV)/share/jupyter/lab/settings/overrides.json

.PHONY: venv test report student-copy lab bench clean

## venv: create or update .venv with the package (editable) and all extras
venv: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[notebooks,dev]"
	$(BIN)/jupytext-config --settings-file $(LAB_OVERRIDES) set-default-viewer python
	touch $(STAMP)

## test: lint and run every test (pytest-xdist: one test process per core, at most 4)
test: venv
	$(BIN)/ruff check simlib tests benchmarks
	$(BIN)/python -m pytest -n auto --maxprocesses 4

## report: execute every notebook -> build/report/index.html (+ one page each, calibration)
report: venv
	$(BIN)/python -m simlib report --out build/report

## student-copy: the notebooks without solution cells -> build/student/
student-copy: venv
	$(BIN)/python -m simlib student-copy build/student

## lab: open JupyterLab on the notebooks (double-click a .py notebook to open it)
lab: venv
	$(BIN)/jupyter lab notebooks

## bench: population-generation and Monte Carlo benchmarks
bench: venv
	$(BIN)/python benchmarks/bench_population.py
	$(BIN)/python benchmarks/bench_montecarlo.py
	$(BIN)/python benchmarks/bench_notebooks.py --quick

clean:
	rm -rf build .pytest_cache .ruff_cache
