# civscore: `make demo` and `make test` do all the set-up on a fresh machine.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export PYTHONHASHSEED := 0
export MPLBACKEND := Agg

.PHONY: demo test test-fast bench fuzz sample-data clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

## demo: score the bundled rubric and sample data into out/
demo: $(STAMP)
	$(VENV)/bin/civscore validate rubrics/civilized-community-2025.yaml data/communities_2025.csv
	$(VENV)/bin/civscore score rubrics/civilized-community-2025.yaml data/communities_2025.csv -o out/ranking.csv
	$(VENV)/bin/civscore score rubrics/civilized-community-2025.yaml data/communities_2025.xlsx -o out/ranking.xlsx
	@echo "demo outputs are in out/"

## test: every test, notebooks included
test: $(STAMP)
	$(PY) -m pytest -q

## bench: speed benchmarks (prints ratios; not part of test)
bench: $(STAMP)
	$(PY) bench/run.py

## sample-data: regenerate the synthetic sample data (deterministic)
sample-data: $(STAMP)
	$(PY) data/generate_sample.py

clean:
	rm -rf out .pytest_cache
