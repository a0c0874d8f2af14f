# The two commands: `make run` (the app on the embedded default, with demo data) and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml requirements.lock | cksum | cut -d' ' -f1)
PO     := $(wildcard tracker/translations/*/LC_MESSAGES/messages.po)
MO     := $(PO:.po=.mo)
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: run test lint format bench system system-test lock translations extract-messages clean

run: system $(STAMP) $(MO)
	$(BIN)/tracker db upgrade
	TRACKER_HOST=$(HOST) TRACKER_PORT=$(PORT) $(BIN)/tracker demo
	$(BIN)/tracker serve --with-worker --host $(HOST) --port $(PORT)

test: system-test $(STAMP) $(MO) lint
	$(BIN)/pytest -n 2 --dist loadgroup

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(STAMP) $(MO)
	$(BIN)/python -m benchmarks

system:
	@scripts/check-system

# What the tests drive besides: poppler-utils (PDF checks) and Debian's Chromium (browser tests).
system-test:
	@scripts/check-system test

# Re-resolve the locked versions (hashes included) after a change of pyproject.toml.
lock: $(STAMP)
	$(BIN)/uv pip compile pyproject.toml --extra dev --generate-hashes --python-version 3.11 \
	  --python-platform x86_64-manylinux_2_28 -q -o requirements.lock

$(STAMP): pyproject.toml requirements.lock | system
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	@rm -f $(VENV)/.installed-*
	@touch $@

translations: $(MO)

%.mo: %.po $(STAMP)
	$(BIN)/pybabel compile --use-fuzzy -i $< -o $@ --statistics

extract-messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k N_ -o tracker/translations/messages.pot .
	$(BIN)/pybabel update -i tracker/translations/messages.pot -d tracker/translations --no-fuzzy-matching

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
