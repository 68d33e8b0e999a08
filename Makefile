# Two commands for a fresh machine with Python 3.11+:
#   make demo   install, migrate, seed the demo company, serve http://127.0.0.1:8000
#   make test   install the test tools and run the whole suite
# Python: the newest 3.11+ interpreter that runs (3.12+ gets Django 6.1, 3.11 Django 5.2 LTS).

PYTHON ?= $(shell for p in python3.14 python3.13 python3.12 python3.11 python3; do \
	$$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1 && echo $$p && break; done)
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip

.PHONY: demo test venv dev-venv lint migrate serve worker beat soak bench clean-demo screenshots

$(VENV)/.runtime: requirements.txt
	@test -n "$(PYTHON)" || { echo "Python 3.11+ is needed (python3.11/3.12/3.13 on PATH)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -r requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(PIP) install -q -r requirements-dev.txt
	touch $@

venv: $(VENV)/.runtime
dev-venv: $(VENV)/.dev

migrate: venv
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py seed_demo --if-empty
	$(PY) manage.py runserver 127.0.0.1:8000

test: dev-venv
	$(VENV)/bin/pytest -q

lint: dev-venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run

worker: venv
	$(VENV)/bin/celery -A retail worker --loglevel INFO

beat: venv
	$(VENV)/bin/celery -A retail beat --loglevel INFO

# Load + faults + books on PostgreSQL, Redis, gunicorn, Celery (about 10 minutes; see docs/RELIABILITY.md).
# SOAK_ARGS="--quick" for about one minute of load.
soak: dev-venv
	@$(PY) bench/soak/run.py $(SOAK_ARGS)

# Screenshots of the main pages (docs/screenshots/, shown in the README), taken by the
# browser tests in real Chromium on a small demo company.
screenshots: dev-venv
	RETAIL_SCREENSHOTS=docs/screenshots $(VENV)/bin/pytest -q retail/tests/browser
