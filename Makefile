# civscore: `make demo` and `make test` do all the set-up on a fresh machine.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export PYTHONHASHSEED := 0
export MPLBACKEND := Agg

.PHONY: demo test test-browser lint bench fuzz sample-data clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[all,test,spark]'
	touch $(STAMP)

# the record tables of rubrics/area-satisfaction-2019.yaml (survey, surveyor scores, inspection points)
AREA_RECORDS := --records survey=data/records/survey.csv --records surveyors=data/records/surveyors.xlsx \
	--records points=data/records/points --records problems=data/records/problems.csv

## demo: score the bundled rubric and sample data into out/ (ranking, report, rectification lists)
demo: $(STAMP)
	$(VENV)/bin/civscore validate rubrics/civilized-community-2025.yaml data/communities_2025.xlsx
	$(VENV)/bin/civscore score rubrics/civilized-community-2025.yaml data/communities_2025.xlsx -o out/ranking.parquet
	$(VENV)/bin/civscore report rubrics/civilized-community-2025.yaml data/communities_2025.csv -o out/report.html
	$(VENV)/bin/civscore report rubrics/civilized-community-2026.yaml data/communities_2025.csv --previous data/communities_2024.csv -o out/2026/report.html
	$(VENV)/bin/civscore gaps rubrics/civilized-community-2025.yaml data/communities_2025.csv -o out/gaps.xlsx
	$(VENV)/bin/civscore compare -r rubrics/civilized-community-2025.yaml -d data/communities_2024.csv -d data/communities_2025.csv --labels 2024 2025 -o out/compare_2024_2025.xlsx
	$(VENV)/bin/civscore extract --rubric rubrics/civilized-community-2025.yaml data/reports/SQ*.txt -o out/candidates.xlsx
	$(VENV)/bin/civscore measure rubrics/area-satisfaction-2019.yaml data/records/areas.csv $(AREA_RECORDS) -o out/area_measures.xlsx
	$(VENV)/bin/civscore score rubrics/area-satisfaction-2019.yaml data/records/areas.csv $(AREA_RECORDS) -o out/area_ranking.xlsx
	@echo "demo outputs are in out/: report.html, 2026/report.html (the 2026 rubric, with last year as --previous), ranking.csv, ranking.xlsx, ranking.parquet, gaps.xlsx, compare_2024_2025.xlsx, candidates.xlsx, area_measures.xlsx, area_ranking.xlsx"

## lint: ruff (lint and format) and mypy, clean on the whole package
lint: $(STAMP)
	$(VENV)/bin/ruff check civscore tests bench data
	$(VENV)/bin/ruff format --check civscore tests bench data
	$(VENV)/bin/mypy

## test: lint (ruff, ruff format --check, mypy), then every test, notebooks included (Spark in local mode: needs Java 17)
test: lint
	CIVSCORE_REQUIRE_SPARK=1 $(PY) -m pytest -q tests notebooks --ignore=tests/browser --nbval --nbval-current-env --nbval-sanitize-with notebooks/nbval_sanitize.cfg

## test-browser: the sample outputs as people receive them: report.html in headless Chromium (errors, network,
## overflow, A4 page budget, hostile names) and every workbook and Word document through LibreOffice to PDF.
## Installs Debian's chromium, poppler-utils, LibreOffice and a CJK font when missing (as root, or with sudo).
BROWSER_TOOLS := chromium poppler-utils libreoffice-calc libreoffice-writer fonts-noto-cjk
test-browser: $(STAMP)
	@if ! command -v chromium >/dev/null || ! command -v pdfinfo >/dev/null || ! command -v soffice >/dev/null \
	    || ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; then \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y --no-install-recommends $(BROWSER_TOOLS); \
	fi
	$(PY) -c "import playwright" 2>/dev/null || $(PY) -m pip install --quiet --disable-pip-version-check "playwright>=1.50,<1.66"
	CIVSCORE_REQUIRE_BROWSER=1 $(PY) -m pytest -q tests/browser

## fuzz: long fuzz of the rubric loader and expression parser, more property examples (~15 min; not part of test)
fuzz: $(STAMP)
	CIVSCORE_FUZZ_SEED=$${CIVSCORE_FUZZ_SEED:-$$(date +%s)} \
	CIVSCORE_FUZZ_RUBRICS=$${CIVSCORE_FUZZ_RUBRICS:-30000} CIVSCORE_FUZZ_SCORED=$${CIVSCORE_FUZZ_SCORED:-2000} \
	CIVSCORE_FUZZ_EXPRESSIONS=$${CIVSCORE_FUZZ_EXPRESSIONS:-300000} \
	CIVSCORE_PROPERTY_EXAMPLES=$${CIVSCORE_PROPERTY_EXAMPLES:-300} \
	$(PY) -m pytest -q -s tests/test_fuzz.py tests/test_properties.py

## bench: speed benchmarks (prints ratios; not part of test)
bench: $(STAMP)
	$(PY) bench/run.py

## sample-data: regenerate the synthetic sample data (deterministic)
sample-data: $(STAMP)
	$(PY) data/generate_sample.py
	$(PY) data/generate_records.py

clean:
	rm -rf out .pytest_cache
