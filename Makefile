# The two commands of the README's quick start (`make demo`, `make test`), and
# the developer targets around them. Every target creates .venv on first use.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
STAMP := $(VENV)/.installed
PYTEST := $(VENV)/bin/python -m pytest -q -p no:cacheprovider

.PHONY: demo test test-fast lint docs bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -e ".[test,dask,salesforce,docs]"
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/terraquota demo -o terraquota-demo

# Lint, then the whole suite with a coverage summary.
test: lint
	$(PYTEST) --cov --cov-report=term:skip-covered

# The suite without the tests marked slow, for a quick loop while editing.
test-fast: $(STAMP)
	$(PYTEST) -m "not slow and not bench"

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(MAKE) docs

# The documentation site; --strict turns every warning (a broken link, a page
# missing from the navigation) into an error. Preview: .venv/bin/mkdocs serve
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict --quiet --site-dir site

bench: $(STAMP)
	$(VENV)/bin/terraquota bench gap --out bench-out/gap

clean:
	rm -rf $(VENV) terraquota-demo bench-out runs comparison .coverage site
