# rscovlm: one-command set-up, demo and tests.
#
#   make demo   set up .venv, generate the demo data, train the demo model, evaluate it
#   make test   set up .venv and run the test suite
#
# Variables (override on the command line, e.g. `make test MMCV_WHEEL=/path/mmcv.whl`):
#   PYTHON          interpreter that creates the virtualenv            (python3)
#   VENV            virtualenv directory                               (.venv)
#   TORCH_SPEC      torch requirement                                  (torch==2.13.0)
#   TORCH_INDEX_URL extra index for torch; on a GPU machine set it to a CUDA build, e.g.
#                   https://download.pytorch.org/whl/cu128             (empty: CPU wheel)
#   MMCV_WHEEL      a prebuilt mmcv 2.1.0 wheel with ops; empty builds mmcv from source (~8 min)
#   MMCV_FORCE_CUDA 1 to compile mmcv's CUDA ops (GPU machines)        (0)
#   PYTEST_ARGS     extra pytest arguments
PYTHON ?= python3
VENV ?= .venv
TORCH_SPEC ?= torch==2.13.0
TORCH_INDEX_URL ?=
MMCV_WHEEL ?=
MMCV_FORCE_CUDA ?= 0
PYTEST_ARGS ?=
DEMO_CONFIG ?= configs/demo/qwen2.5-vl-tiny_full_1xb16-3k_demo-cotrain.py
DEMO_DATA ?= data/demo

BIN := $(VENV)/bin
PY := $(BIN)/python
PIP := $(PY) -m pip
STAMP := $(VENV)/.rscovlm-installed
TORCH_INDEX_ARG := $(if $(TORCH_INDEX_URL),--extra-index-url $(TORCH_INDEX_URL),)

.PHONY: install system-deps demo demo-data test clean

install: $(STAMP) system-deps

# WordNet 3.0 for the LRS-VQA metric (apt-get wordnet-base when missing; never fails)
system-deps:
	@bash tools/misc/install_system_deps.sh

$(STAMP): requirements/runtime.txt requirements/mminstall.txt requirements/tests.txt setup.py
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip wheel
	$(PIP) install -q $(TORCH_INDEX_ARG) "$(TORCH_SPEC)"
	@# mmcv's build imports pkg_resources: setuptools<70 in the (non-isolated) build env.
	$(PIP) install -q "setuptools<70" ninja
	@if $(PY) -c "import mmcv.ops" 2>/dev/null; then \
	  echo "mmcv with ops already installed"; \
	elif [ -n "$(MMCV_WHEEL)" ]; then \
	  $(PIP) install -q "$(MMCV_WHEEL)"; \
	else \
	  echo "building mmcv 2.1.0 with ops from source (about 8 minutes on 2 cores)"; \
	  MMCV_WITH_OPS=1 FORCE_CUDA=$(MMCV_FORCE_CUDA) $(PIP) install --no-build-isolation -r requirements/mminstall.txt; \
	fi
	$(PIP) install -q $(TORCH_INDEX_ARG) -r requirements/runtime.txt -r requirements/tests.txt
	$(PIP) install -q --no-build-isolation --no-deps -e .
	$(PY) -c "import mmcv.ops, mmdet, mmrotate, transformers, peft, rscovlm; print('rscovlm environment ready')"
	touch $(STAMP)

demo-data: $(STAMP)
	$(PY) tools/misc/generate_demo_data.py $(DEMO_DATA)

DEMO_WORK_DIR := work_dirs/$(basename $(notdir $(DEMO_CONFIG)))

demo: demo-data
	$(PY) tools/train.py $(DEMO_CONFIG) --work-dir $(DEMO_WORK_DIR)
	$(PY) tools/test.py $(DEMO_CONFIG) $$(cat $(DEMO_WORK_DIR)/last_checkpoint) \
	    --work-dir $(DEMO_WORK_DIR) --out $(DEMO_WORK_DIR)/predictions.jsonl

test: install
	$(PY) -m pytest tests -ra $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) work_dirs
