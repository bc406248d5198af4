# The two commands of the README: `make book` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
READY  := $(VENV)/.requirements-installed

.PHONY: book test lab pdf normalise bench clean

# Recreated only when requirements.txt or pyproject.toml change.
$(READY): requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python >= 3.11 is required (set PYTHON=...)")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $@

# Chapters run in parallel into the execution cache first; the build then only renders them.
book: $(READY)
	$(PY) tools/preexecute.py .
	$(VENV)/bin/jupyter-book build . -W --keep-going
	@echo
	@echo "The book is built. Open: $(CURDIR)/_build/html/index.html"

# Two workers (pytest-xdist): the suite waits on browsers, servers and pip as much as it computes.
# The groups and their order: tests/conftest.py.
TEST_WORKERS ?= 2
test: $(READY)
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadgroup --no-loadscope-reorder

# The print edition: the built pages joined into one document and printed by Debian's Chromium
# (apt-get install -y chromium) into _build/pdf/natural-gradient-and-fisher.pdf (tools/make_pdf.py).
pdf: book
	$(PY) tools/make_pdf.py

# JupyterLab with jupyterlab-myst (requirements.txt), which renders the chapters' MyST.
# Containers often run as root, which JupyterLab refuses without --allow-root.
lab: $(READY)
	$(VENV)/bin/jupyter lab chapters/ $(if $(filter 0,$(shell id -u)),--allow-root)

normalise: $(READY)
	$(PY) tools/nbnormalise.py

bench: $(READY)
	$(PY) benchmarks/bench_optimizers.py
	$(PY) benchmarks/bench_live_explorer.py
	$(PY) benchmarks/bench_scale.py
	$(PY) benchmarks/bench_pdf.py

clean:
	rm -rf _build
