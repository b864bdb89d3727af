# Rackscape: the two set-up commands are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

.PHONY: run test bench lint screenshots clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $@

$(TEST_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

run: $(STAMP)
	$(VENV)/bin/rackscape

test: $(TEST_STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest
	$(VENV)/bin/lint-imports

lint: $(TEST_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

bench: $(TEST_STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m benchmarks

# the README's pictures, made by the public commands
screenshots: $(STAMP)
	mkdir -p out
	$(VENV)/bin/rackscape new dgx-h100-hall --set racks=256 --set racks_per_row=16 -o out/dense.json --force
	$(VENV)/bin/rackscape new gb200-nvl72-superpod --set scalable_units=4 -o out/gb200.json --force
	QT_QPA_PLATFORM=offscreen $(VENV)/bin/rackscape --screenshot docs/img/designer.png --force --size 1600x1000 --select GPU-0005
	QT_QPA_PLATFORM=offscreen $(VENV)/bin/rackscape --screenshot docs/img/designer-dense.png out/dense.json --force --size 1600x1000
	QT_QPA_PLATFORM=offscreen $(VENV)/bin/rackscape --screenshot docs/img/designer-overlays.png out/gb200.json --force --size 1600x1000 --overlay cooling --overlay cables --overlay violations --select NVL-0003

clean:
	rm -rf $(VENV) build *.egg-info
