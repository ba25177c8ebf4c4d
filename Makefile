# The two commands of the README's quick start. Both create .venv on first use.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -e ".[test,dask,salesforce]"
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/terraquota demo -o terraquota-demo

test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/python -m pytest -q -p no:cacheprovider

bench: $(STAMP)
	$(VENV)/bin/terraquota bench gap --out bench-out/gap

clean:
	rm -rf $(VENV) terraquota-demo bench-out runs comparison
