# Two commands on a fresh machine: `make run` and `make test`. Both install first when needed.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
APT_PACKAGES := ffmpeg libpulse0 libegl1 libgl1 libfontconfig1 libdbus-1-3 libxkbcommon0 \
	libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 \
	libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-randr0 xvfb melt
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: install run test bench clean-venv gpu-wheels gpu-check

install: $(STAMP)

$(STAMP): requirements.txt requirements-test.txt constraints.txt pyproject.toml
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
		if [ -n "$$missing" ]; then \
			echo "installing system packages: $$missing"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
		fi; \
	fi
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q pip==26.3
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -c constraints.txt -r requirements.txt -r requirements-test.txt
	$(PY) -m pip install -q --no-deps -e .
	touch $(STAMP)

run: install
	$(PY) -m seine_editor

test: install
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q

bench: install
	$(PY) bench/decode.py
	$(PY) bench/render.py
	$(PY) bench/classic.py
	$(PY) bench/engine.py
	$(PY) bench/samplers.py
	$(PY) bench/serve.py
	QT_QPA_PLATFORM=offscreen $(PY) bench/ui.py

# A lent GPU machine runs an image whose python3 holds CUDA PyTorch and can fetch nothing. `make gpu-wheels` (here)
# puts the pure-Python packages the engine needs and that image lacks into .whl/; `make gpu-check` (there, with .whl
# carried) installs them beside its PyTorch, then runs the gpu tests, the quick engine benchmark (eager and compiled
# draft transitions, per-step time, share of peak, peak memory) and one full-size guided step of LTX-2 and both Wan
# VACE sizes with random bf16 weights (bench/models.py). A few minutes of GPU time.
GPU_PY ?= python3
GPU_WHEELS := diffusers==0.42.1 importlib_metadata==10.2.0 ftfy==6.3.1 wcwidth==0.9.4
GPU_SITE := /tmp/seine-gpu-site

gpu-wheels: install
	mkdir -p .whl
	$(PY) -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation py -d .whl $(GPU_WHEELS)

gpu-check:
	$(GPU_PY) -c "import torch; assert torch.cuda.is_available(), 'no CUDA here'; print(torch.__version__, torch.cuda.get_device_name())"
	$(GPU_PY) -m pip install -q --no-index --no-deps --no-compile --target $(GPU_SITE) .whl/*.whl
	PYTHONPATH=$(GPU_SITE):. PYTHONUNBUFFERED=1 $(GPU_PY) -m pytest -q -p no:cacheprovider -m gpu tests/engine
	PYTHONPATH=$(GPU_SITE):. PYTHONUNBUFFERED=1 $(GPU_PY) bench/engine.py --quick
	PYTHONPATH=$(GPU_SITE):. PYTHONUNBUFFERED=1 $(GPU_PY) bench/models.py --gpu

clean-venv:
	rm -rf $(VENV)
