# The README's two commands: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
LINT_DIR := tests/cypher_lint
NEO4J_PORT ?= 7687
NEO4J_DIR  ?= data/neo4j
NEO4J_LOCAL_JAR := neo4j-local/target/neo4j-local.jar
# make test builds it where Maven exists (the suite starts it when no other Neo4j is given)
NEO4J_LOCAL_TEST_DEP := $(if $(shell command -v mvn),$(NEO4J_LOCAL_JAR))
AUDIT_DIR := tests/graphql_http_audit

.PHONY: run test test-slow install install-dev lint typecheck bench clean lock audit mutants neo4j-local neo4j-up neo4j-down

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "union-tree needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $(VENV)/.installed $@

$(LINT_DIR)/node_modules/.package-lock.json: $(LINT_DIR)/package-lock.json
	cd $(LINT_DIR) && npm ci --no-audit --no-fund --loglevel=error

install: $(VENV)/.installed
$(AUDIT_DIR)/node_modules/.package-lock.json: $(AUDIT_DIR)/package-lock.json
	cd $(AUDIT_DIR) && npm ci --no-audit --no-fund --loglevel=error

install-dev: $(VENV)/.installed-dev $(LINT_DIR)/node_modules/.package-lock.json \
	$(AUDIT_DIR)/node_modules/.package-lock.json

## run: install, start the embedded engine, load the demo province once, serve GraphQL
run: install
	$(BIN)/union-tree serve --demo --host $(HOST) --port $(PORT)

lint: install-dev
	$(BIN)/ruff check graph_service api loaders cli tests bench
	$(BIN)/lint-imports

typecheck: install-dev
	$(BIN)/mypy

## test: install everything and run the whole suite (what .ci/run calls)
test: install-dev lint typecheck $(NEO4J_LOCAL_TEST_DEP)
	$(BIN)/pytest

## test-slow: the slow set (schemathesis >= 10,000 documents, >= 20,000 cross-scope attempts over
## HTTP); not part of `make test`
test-slow: install-dev
	$(BIN)/pytest -m slowset -s

bench: install-dev $(NEO4J_LOCAL_JAR)
	$(BIN)/python -m bench.run_all $(if $(BENCH_MEMBERS),--members $(BENCH_MEMBERS))

## lock: pin every installed package of the dev environment in requirements.lock
lock: install-dev
	{ echo "# Locked dependencies of the dev environment (pip freeze --exclude-editable). Refresh: make lock"; \
	  echo "# Audited by tests/unit/test_dependencies_audit.py (make audit)."; \
	  $(BIN)/python -m pip freeze --exclude-editable; } > requirements.lock

## audit: known vulnerabilities of the locked dependencies (PyPI's advisory data), allow-list applied
audit: install-dev
	$(BIN)/pytest tests/unit/test_dependencies_audit.py -q -rs

## mutants: mutation testing of api/scope.py and the domain's rule functions ([tool.mutmut] in
## pyproject.toml); mutmut comes from PyPI here, it is not a dev dependency and not run in CI
mutants: install-dev
	$(BIN)/pip install --quiet 'mutmut==3.8.1'
	cd $(CURDIR) && $(BIN)/mutmut run; $(BIN)/mutmut results

clean:
	rm -rf $(VENV) $(LINT_DIR)/node_modules .pytest_cache .mypy_cache .ruff_cache mutants

## GraphiQL served by the service itself (api/graphiql_page.py; no CDN on an intranet), and
## Debian's chromium for its browser test (tests/e2e/test_graphiql_offline.py; no test tool's
## own browser download)
GRAPHIQL_DIR := api/graphiql

$(GRAPHIQL_DIR)/node_modules/.installed: $(GRAPHIQL_DIR)/package-lock.json
	cd $(GRAPHIQL_DIR) && npm ci --omit=dev --no-audit --no-fund --loglevel=error
	@touch $@

$(GRAPHIQL_DIR)/node_modules/.installed-dev: $(GRAPHIQL_DIR)/package-lock.json
	cd $(GRAPHIQL_DIR) && npm ci --no-audit --no-fund --loglevel=error
	@touch $(GRAPHIQL_DIR)/node_modules/.installed $@

.PHONY: chromium
chromium:
	@command -v chromium >/dev/null 2>&1 || { SUDO=$$(test "$$(id -u)" = 0 || echo sudo); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	  $$SUDO apt-get install -y -qq --no-install-recommends chromium; }

## Debian's nginx for the gateway (trusted-proxy) test, tests/e2e/test_gateway_nginx.py
.PHONY: nginx
nginx:
	@command -v nginx >/dev/null 2>&1 || test -x /usr/sbin/nginx || { SUDO=$$(test "$$(id -u)" = 0 || echo sudo); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	  $$SUDO apt-get install -y -qq --no-install-recommends nginx-light; }

install: $(GRAPHIQL_DIR)/node_modules/.installed
install-dev: $(GRAPHIQL_DIR)/node_modules/.installed-dev chromium nginx

## neo4j-local: build the local Neo4j 5 Community launcher (jars stay in ~/.m2)

$(NEO4J_LOCAL_JAR): neo4j-local/pom.xml $(wildcard neo4j-local/src/main/java/uniontree/*.java)
	cd neo4j-local && mvn -q -B package

neo4j-local: $(NEO4J_LOCAL_JAR)

## neo4j-up: start a local Neo4j (Bolt on 127.0.0.1:$(NEO4J_PORT), files in $(NEO4J_DIR)), wait until it answers
neo4j-up: install $(NEO4J_LOCAL_JAR)
	$(BIN)/python -m tests.neo4j_local up --port $(NEO4J_PORT) --dir $(NEO4J_DIR)

## neo4j-down: stop it cleanly
neo4j-down: install
	$(BIN)/python -m tests.neo4j_local down --dir $(NEO4J_DIR)
