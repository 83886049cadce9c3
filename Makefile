# Two commands do everything on a fresh machine:
#   make demo   set up, then run textci on the sample corpus in corpora/sample
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
	$(BIN)/textci extract corpora/sample -o $(OUT) --force; status=$$?; \
	test $$status -eq 0 -o $$status -eq 3 || exit $$status; \
	$(BIN)/textci classify $(OUT)/passages.jsonl -o $(OUT)/predictions.jsonl && \
	echo "results: $(OUT)/ (documents.jsonl, pages.jsonl, passages.jsonl, errors.jsonl, predictions.jsonl)"

test: setup
	$(BIN)/python -m pytest -q

bench: setup
	$(BIN)/python scripts/bench_extract.py

clean:
	rm -rf $(VENV) out
