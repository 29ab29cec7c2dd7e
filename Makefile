# Passeport — the two commands of the README: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test venv system-deps lint bench clean

$(STAMP): pyproject.toml setup.py requirements.lock requirements-build.lock passeport/certifiers/_leaves.pyx
	@command -v cc >/dev/null || { echo "Installation du compilateur C (module compilé de lecture des flux)…"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gcc >/dev/null; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --require-hashes -r requirements-build.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(STAMP)

venv: $(STAMP)

# axe-core, for the accessibility checks of the browser tests (no JavaScript build).
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	touch $@

# Debian packages the tests need: PostgreSQL (throwaway cluster), Chromium (browser tests),
# poppler's pdfsig and NSS's certutil (independent check of the PDF seals), SoftHSM (the
# seal key on a PKCS#11 token), Pango (WeasyPrint).
system-deps:
	@if ! command -v chromium >/dev/null || ! command -v npm >/dev/null || ! command -v pdfsig >/dev/null || ! command -v zbarimg >/dev/null || ! command -v certutil >/dev/null || ! command -v softhsm2-util >/dev/null || ! ldconfig -p | grep -q libpangoft2 || ! ( command -v initdb >/dev/null || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 ); then \
		echo "Installation des paquets système (postgresql, chromium, npm, poppler-utils, zbar-tools, libnss3-tools, softhsm2, pango)…"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql chromium poppler-utils zbar-tools libnss3-tools softhsm2 libpangoft2-1.0-0 $$(command -v npm >/dev/null || echo npm) >/dev/null; \
	fi

demo: venv
	$(BIN)/passeport demo

test: venv system-deps node_modules/.installed
	$(BIN)/ruff check passeport tests bench
	PASSEPORT_VAR_DIR=$$(mktemp -d /tmp/passeport-var.XXXXXX) \
		scripts/with-postgres.sh $(BIN)/pytest -p no:cacheprovider

lint: venv
	$(BIN)/ruff check passeport tests bench
	$(BIN)/ruff format --check passeport tests bench

bench: venv system-deps
	scripts/with-postgres.sh $(BIN)/python bench/accrochage.py
	scripts/with-postgres.sh $(BIN)/python bench/parcours.py
	scripts/with-postgres.sh $(BIN)/python bench/documents.py

clean:
	rm -rf $(VENV) var build passeport/certifiers/_leaves.c passeport/certifiers/_leaves.*.so
