# Two commands do everything on a fresh machine:
#   make demo   set up, then `textci run` on the sample corpus in corpora/sample (report: out/sample/report.html)
#   make test   set up, then run the whole test suite
# Set-up is idempotent: a second run only checks the stamp file.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.textci-installed
OUT ?= out/sample

.PHONY: setup demo test bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# torch first, pinned: it is the CPU build on this machine; an unpinned
	# requirement would pull a multi-GB CUDA build.
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: setup
	$(BIN)/textci run corpora/sample -o $(OUT); status=$$?; \
	test $$status -eq 0 -o $$status -eq 3 || exit $$status

test: setup
	$(BIN)/python -m pytest -q

bench: setup
	$(BIN)/python scripts/bench_extract.py
	$(BIN)/python scripts/bench_classify.py
	$(BIN)/python scripts/bench_themes.py
	$(BIN)/python scripts/bench_archive.py
	$(BIN)/python scripts/bench_search.py

clean:
	rm -rf $(VENV) out
