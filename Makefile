# mlp-course: thin wrappers over the `mlpcourse` command, plus the environment bootstrap.
#   make lab    open the course in JupyterLab (creates .venv on first use)
#   make test   run the whole test suite     (creates .venv on first use)
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip --disable-pip-version-check

.PHONY: help lab instructor hooks test slides release bench clean

help:
	@echo "make lab     open the course in JupyterLab (your own copies in work/)"
	@echo "make instructor  JupyterLab at the course root with nbgrader's instructor tools"
	@echo "make hooks   set up the git filter that keeps notebooks clean"
	@echo "make test    run the whole test suite"
	@echo "make slides  build offline HTML slides into _build/slides"
	@echo "make release regenerate exercises/ from solutions/"
	@echo "make bench   run the training benchmark"
	@echo "make clean   remove the virtual environment and build folders"

# One stamp per extra, remade when pyproject.toml changes.
$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "mlp-course needs Python 3.10 or newer, found " + sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)

$(VENV)/.course: pyproject.toml | $(BIN)/python
	$(PIP) install -e '.[course]'
	@touch $@

$(VENV)/.test: pyproject.toml | $(BIN)/python
	$(PIP) install -e '.[test]'
	@touch $@ $(VENV)/.course

lab: $(VENV)/.course
	$(BIN)/mlpcourse lab

instructor: $(VENV)/.course
	$(BIN)/mlpcourse lab --instructor

hooks: $(VENV)/.course
	$(BIN)/python -m mlpcourse.gitfilter

test: $(VENV)/.test
	$(BIN)/python -m pytest

slides: $(VENV)/.course
	$(BIN)/mlpcourse slides

release: $(VENV)/.course
	$(BIN)/mlpcourse release

bench: $(VENV)/.course
	$(BIN)/python benchmarks/train_mnist.py

clean:
	rm -rf $(VENV) _build
