# Two commands on a fresh Debian machine: `make run` and `make test`.
# With DATABASE_URL and REDIS_URL set, both use PostgreSQL and Redis instead of the embedded default.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
RUN_PACKAGES := gettext fonts-wqy-microhei libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0
TEST_PACKAGES := $(RUN_PACKAGES) poppler-utils chromium chromium-driver docker-compose \
	default-jre-headless
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test test-unit test-browser check lint format system-deps system-deps-test messages migrate demo clean bench

# --- set-up ----------------------------------------------------------------------------------------

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -m venv --help >/dev/null 2>&1 || $(MAKE) apt PACKAGES=python3-venv
	@[ -x $(PY) ] || $(PYTHON) -m venv $(VENV) || ($(MAKE) apt PACKAGES=python3-venv && $(PYTHON) -m venv $(VENV))
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	@touch $@

apt:
	@missing=""; for p in $(PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing system packages:$$missing"; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi

system-deps:
	@$(MAKE) --no-print-directory apt PACKAGES="$(RUN_PACKAGES)"

system-deps-test:
	@$(MAKE) --no-print-directory apt PACKAGES="$(TEST_PACKAGES)"

messages: $(VENV)/.installed
	@$(PY) manage.py compilemessages --ignore=.venv -v0

migrate: $(VENV)/.installed
	$(PY) manage.py migrate --noinput -v1

demo: migrate
	$(PY) manage.py seed_demo --if-empty

# --- run: HTTP + WebSockets (daphne) and a Celery worker with beat, on the embedded default --------

# Links the portal hands out (QR codes, .ics, e-mails) point at the port it serves, unless
# PORTAL_BASE_URL says otherwise. DJANGO_DEBUG=1 gives Django's debug pages and static files read
# from the source folders; otherwise they are collected with hashed names and compressed copies.
run: system-deps $(VENV)/.installed messages demo
	@case "$${DJANGO_DEBUG:-}" in 1|true|True|yes|on) ;; *) $(PY) manage.py collectstatic --noinput -v0 ;; esac
	@echo "Portal: http://$(HOST):$(PORT)/  (demo users in README.md; Ctrl-C stops everything)"
	@export PORTAL_BASE_URL="$${PORTAL_BASE_URL:-http://$(HOST):$(PORT)}"; \
	trap 'kill 0' INT TERM EXIT; \
	while true; do $(VENV)/bin/celery -A config worker --beat --concurrency=2 --loglevel=INFO; \
		echo "Celery worker exited; starting it again in 2 s"; sleep 2; done & \
	$(VENV)/bin/daphne -b $(HOST) -p $(PORT) config.asgi:application

# --- tests -------------------------------------------------------------------------------------------

test: system-deps-test $(VENV)/.installed messages test-unit test-browser

test-unit:
	$(PY) -m pytest --ignore=tests/browser $(PYTEST_ARGS)

# Playwright runs in its own pytest process: pytest-asyncio tests break after it in one process.
test-browser:
	DJANGO_ALLOW_ASYNC_UNSAFE=true $(PY) -m pytest tests/browser $(PYTEST_ARGS)

check lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy config portal
	$(VENV)/bin/lint-imports

format: $(VENV)/.installed
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# --- benchmarks (not part of make test): PostgreSQL and Redis on 127.0.0.1, docs/performance.md ------

SCALE ?= small
BENCH_PACKAGES := wrk poppler-utils fonts-wqy-microhei

$(VENV)/.bench-installed: $(VENV)/.installed pyproject.toml
	$(PY) -m pip install --quiet -e ".[dev,bench]"
	@touch $@

bench: $(VENV)/.bench-installed messages
	@$(MAKE) --no-print-directory apt PACKAGES="$(BENCH_PACKAGES)"
	$(PY) -m bench.run --scale $(SCALE) $(BENCH_ARGS)

clean:
	rm -rf var/celery-broker var/celerybeat-schedule* var/test-private
