# Two commands for a new user: `make run` starts the app on the demo data; `make test` runs every test.
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin
DB ?= data/learning_tracker.db
PORT ?= 8501

.PHONY: run test demo chromium nginx bench clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when the requirements change.
$(VENV)/.installed: $(BIN)/activate requirements.txt requirements-test.txt pyproject.toml
	$(BIN)/python -m pip install --quiet -r requirements-test.txt
	touch $@

run: $(VENV)/.installed
	@test -f $(DB) || $(BIN)/learning-tracker demo --db $(DB)
	LEARNING_TRACKER_DB=$(DB) $(BIN)/streamlit run streamlit_app.py --server.port $(PORT)

demo: $(VENV)/.installed
	$(BIN)/learning-tracker demo --db $(DB) --force

# Browser tests drive Debian's Chromium; Playwright's own browser downloads are not used.
chromium:
	@test -x /usr/bin/chromium || { \
		echo "Installing Debian's chromium for the browser tests"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

# The deployment test (tests/test_deployment.py) runs Debian's nginx, as a council server would, in front of
# the app with deploy/nginx/learning-tracker.conf. It starts its own nginx under a temporary folder; the
# service Debian may start on install is not used by the tests.
nginx:
	@test -x /usr/sbin/nginx || { \
		echo "Installing Debian's nginx for the deployment test"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq nginx >/dev/null; }

# The layer contract (.importlinter) first: a wrong-way import fails before the tests run.
test: $(VENV)/.installed chromium nginx
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -q

bench: $(VENV)/.installed
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) .pytest_cache test-artifacts
