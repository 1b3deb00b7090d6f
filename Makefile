# Two commands do everything on a fresh machine with Python 3.11+:
#   make run   - the demo on embedded defaults (SQLite, filesystem broker, file mailbox)
#   make test  - the whole suite (PostgreSQL and Redis when DATABASE_URL / REDIS_URL are set)
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install run web worker beat test lint migrate seed messages clean chaos chaos-ci

# DEBUG is off unless set (production is the default); the laptop demo switches it on for itself
# and everything it starts: Django's error pages, the development mailbox, and a secret key made
# into .data/secret_key on the first run. The test suite sets its own (tests/settings.py).
run seed migrate: export DEBUG := true
# Owners confirm logins with a TOTP code (POSTSALE_REQUIRE_2FA, on by default); the laptop demo
# lets owner/owner in with the password alone unless you ask for it: POSTSALE_REQUIRE_2FA=true make run.
run: export POSTSALE_REQUIRE_2FA ?= false

# GNU gettext's msgfmt compiles the catalogues where it is installed; the compiled .mo files
# are committed (a test keeps them in step with the .po files), so Python alone is enough.
COMPILE_MESSAGES = if command -v msgfmt >/dev/null 2>&1; then $(PY) manage.py compilemessages --ignore=.venv >/dev/null; \
	else echo "msgfmt (GNU gettext) not found: using the committed translations"; fi

# pip shows each package as it comes: a first install takes a few minutes and should not look stuck.
$(STAMP): pyproject.toml
	@echo "Installing Postsale and its dependencies into $(VENV) (a few minutes the first time)..."
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --progress-bar on -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_demo

run: seed
	@$(COMPILE_MESSAGES)
	@echo "Postsale runs on http://127.0.0.1:8000  (owner/owner, agent/agent)"
	$(VENV)/bin/honcho -f Procfile.dev start

test: install
	@$(COMPILE_MESSAGES)
	$(PY) -m pytest $(PYTEST_ARGS)

# Faults while work is in flight (benchmarks/chaos.py): workers killed, the broker and SMTP stopped,
# database connections terminated; fails if anything is lost. Needs PostgreSQL (DATABASE_URL's
# server) and redis-server installed; starts its own Redis, workers and SMTP server.
chaos: install
	$(PY) benchmarks/chaos.py

# The same in under three minutes, for CI.
chaos-ci: install
	$(PY) benchmarks/chaos.py --ci

lint: install
	$(PY) -m ruff check .

messages: install
	$(PY) manage.py makemessages -l de -l sv --ignore=.venv --ignore=tests --ignore=benchmarks
	$(PY) manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) .data
