# csp-storefront: `make run` starts the demo, `make test` runs everything CI runs.
PYTHON ?= python3
# pytest-xdist workers for `make test` (each test has its own databases, ports and Redis db)
TEST_WORKERS ?= auto
VENV   := .venv
BIN    := $(VENV)/bin
export FLASK_APP := storefront

.PHONY: run setup test lint bench clean

# Debian's libraries WeasyPrint lays invoice PDFs out with (pyproject.toml), and a font.
# HarfBuzz-Subset embeds only the glyphs used; WeasyPrint 70 warns without it (an error
# under the suite's filterwarnings) and says later versions will require it.
PDF_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
	fonts-wqy-microhei

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Reinstall whenever pyproject.toml changes; a stamp per extras set.
$(VENV)/.run-deps: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[postgres,redis]"
	@touch $@

$(VENV)/.test-deps: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[test,postgres,redis]"
	@touch $@

## setup: venv, dependencies (pango for invoice PDFs when missing), database migrations and
## demo data (idempotent)
setup: $(VENV)/.run-deps
	bash .ci/ensure-packages $(PDF_PACKAGES)
	$(BIN)/flask db upgrade
	$(BIN)/flask demo load

## run: set up, then start every process of the Procfile on 127.0.0.1
run: setup
	@echo
	@echo "  Storefront: http://127.0.0.1:5000   (Ctrl-C stops everything)"
	@echo
	@# Metrics in multiprocess mode: the web's /metrics also reads the worker's files
	@# (operations/metrics.py); stale files of an earlier run are cleared first.
	rm -rf instance/metrics && mkdir -p instance/metrics/web instance/metrics/worker
	PROMETHEUS_MULTIPROC_DIR=instance/metrics/web METRICS_WORKER_DIRS=instance/metrics/worker \
		$(BIN)/honcho start -f Procfile

# axe-core, the accessibility checker the browser journeys run in each page
# (tests/browser/axe.py): the npm package pinned in tests/browser/package-lock.json, never a CDN.
AXE := tests/browser/node_modules/axe-core/axe.min.js

$(AXE): tests/browser/package.json tests/browser/package-lock.json
	bash .ci/ensure-packages npm
	cd tests/browser && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

## test: lint (ruff, and import-linter's architecture contracts) and the whole suite,
## browser journeys, the scale-out path (PostgreSQL + Redis + real Celery workers) and the
## nginx layout against slow clients included; installs Debian's chromium, redis-server,
## postgresql and nginx when missing, starts throwaway servers on 127.0.0.1 and always
## stops them.
test: $(VENV)/.test-deps $(AXE)
	bash .ci/ensure-packages chromium redis-server postgresql nginx $(PDF_PACKAGES)
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	@services=$$(mktemp -d /tmp/csp-services.XXXXXX); \
	trap 'bash .ci/services stop "$$services"' EXIT; \
	bash .ci/services start "$$services" || exit 1; \
	. "$$services/env"; \
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist worksteal $(ARGS)

lint: $(VENV)/.test-deps
	$(BIN)/ruff check .
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) instance
