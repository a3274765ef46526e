# ReddyTalk developer commands. Every target installs what it needs on first use.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
# The web app (web/): its own npm packages, built into web/dist when its sources change.
WEB_STAMP := web/node_modules/.installed
WEB_BUILT := web/dist/.built
WEB_SOURCES := $(shell find web/src web/public -type f 2>/dev/null) web/index.html web/vite.config.ts web/tsconfig.json
# checkov pins packages (packaging, networkx) that clash with ours, so it gets its own venv.
TOOLS := .venv-tools
TOOLS_STAMP := $(TOOLS)/.installed
CHECKOV_VERSION := 3.3.30
PRACTICE ?= examples/demo-practice.json

.PHONY: help serve demo test lint typecheck unit security bench clean web

help:
	@echo "make serve  - run ReddyTalk on the local host with embedded defaults (http://127.0.0.1:7071)"
	@echo "make demo   - play a booking call against the demo practice and print it"
	@echo "make test   - lint, type-check and run the whole test suite"
	@echo "make lint   - ruff + mypy only"
	@echo "make security - the security probes (tests/security; also part of make test): requests and verdicts"
	@echo "make bench  - run the benchmarks (results in bench/results/, summary in docs/benchmarks.md)"

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements-dev.txt
	$(PY) -m pip install -q --no-deps -e .
	touch $(STAMP)

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

$(WEB_STAMP): web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund --loglevel=error
	touch $(WEB_STAMP)

$(WEB_BUILT): $(WEB_STAMP) $(WEB_SOURCES)
	cd web && npm run build
	touch $(WEB_BUILT)

web: $(WEB_BUILT)

$(TOOLS_STAMP):
	test -d $(TOOLS) || $(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install -q checkov==$(CHECKOV_VERSION)
	touch $(TOOLS_STAMP)

serve: $(STAMP) $(WEB_BUILT)
	$(VENV)/bin/reddytalk serve --practice $(PRACTICE)

demo: $(STAMP)
	$(VENV)/bin/reddytalk demo --practice $(PRACTICE)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

typecheck: lint

unit: $(STAMP) $(NODE_STAMP) $(TOOLS_STAMP) $(WEB_BUILT)
	cd web && npm test --silent
	$(VENV)/bin/pytest -q

test: lint unit

# The security probe set: prints every request sent and its verdict (tests/security also runs in make test).
security: $(STAMP)
	$(VENV)/bin/pytest -q tests/security

bench: $(STAMP) $(NODE_STAMP) $(WEB_BUILT)
	$(PY) -m bench

clean:
	rm -rf $(VENV) $(TOOLS) node_modules web/node_modules web/dist .data .devhost .mypy_cache .ruff_cache .pytest_cache
