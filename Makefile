# Two commands work on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
ALGOEFF := $(VENV)/bin/algoeff
SITE_DIR ?= _site

.PHONY: run test lint typecheck example bench bench-counting bench-llama bench-meter bench-scale bench-zoo clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

# The core plus the website and chart extra; no torch.
$(VENV)/.installed-run: pyproject.toml | $(PY)
	$(PY) -m pip install -q -e '.[site]'
	touch $@

# torch==2.13.0 first: it is a CPU build on this machine's disk, and installing it
# explicitly keeps the torch extra's range from pulling a CUDA build of several GB.
$(VENV)/.installed-test: pyproject.toml | $(PY)
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e '.[site,torch,test]'
	touch $@ $(VENV)/.installed-run

# The main job: check, every derived file and the site, from one load of the dataset.
run: $(VENV)/.installed-run
	$(ALGOEFF) build --out $(SITE_DIR)
	@echo "Website: $(SITE_DIR)/index.html (preview with: $(ALGOEFF) site serve --out $(SITE_DIR))"

lint: $(VENV)/.installed-test
	$(PY) -m ruff check src tests benchmarks examples analysis
	$(PY) -m ruff format --check src tests benchmarks examples analysis

typecheck: $(VENV)/.installed-test
	$(PY) -m mypy

test: $(VENV)/.installed-test
	$(PY) -m ruff check src tests benchmarks examples analysis
	$(PY) -m ruff format --check src tests benchmarks examples analysis
	$(PY) -m mypy
	$(PY) -m pytest

# The paper's experiment in miniature: three architectures on scikit-learn's digits.
example: $(VENV)/.installed-test
	$(PY) examples/digits_efficiency.py --out runs/digits

# Benchmarks (not tests): each writes its table to stdout; results are kept in docs/benchmarks.md.
bench: bench-counting bench-llama bench-meter bench-scale

bench-counting: $(VENV)/.installed-test
	$(PY) -m pip install -q fvcore ptflops --no-deps
	$(PY) benchmarks/counting_accuracy.py

bench-llama: $(VENV)/.installed-test
	$(PY) benchmarks/count_llama.py

bench-meter: $(VENV)/.installed-test
	$(PY) benchmarks/meter_overhead.py --reps 31

bench-scale: $(VENV)/.installed-run
	$(PY) benchmarks/scale.py

# count_flops against torchvision's published counts (where torchvision imports) and the
# analytic transformer count for Hugging Face models; results in docs/benchmarks/zoo.md.
bench-zoo: $(VENV)/.installed-test
	$(PY) benchmarks/zoo.py

clean:
	rm -rf $(VENV) $(SITE_DIR) .pytest_cache .mypy_cache .ruff_cache
