# The README's two commands. Both work on a fresh Linux machine with only Python 3.11+.
PYTHON ?= python3
VENV   := .venv
VPY    := $(VENV)/bin/python
UV     := $(VENV)/bin/uv
STAMP  := $(VENV)/.installed-stamp
PYTEST_WORKERS ?= 2
RUN    := $(VPY) -m dangan.platform.devservices

.PHONY: install run test test-unit bench-quick lock clean vendor browser system-packages

$(STAMP): requirements.lock pyproject.toml setup.py
	@test -x $(VPY) || $(PYTHON) -m venv $(VENV)
	@$(VPY) -m pip install -q --disable-pip-version-check "uv==0.13.8"
	$(UV) pip install -q --python $(VPY) -r requirements.lock
	$(UV) pip install -q --python $(VPY) --no-deps -e .
	@touch $(STAMP)

install: $(STAMP)

## make run: embedded PostgreSQL + S3 + Celery worker/beat + web server, demo company.
run: install
	$(RUN) run

## make test: the whole suite against throwaway real services, then every bench with --quick.
test: install system-packages
	$(RUN) exec -- $(VPY) -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)
	$(MAKE) --no-print-directory bench-quick BENCH_JOBS=2

## Debian packages the tests use: chromium (+ CJK fonts) for the browser tests
## (tests/web/browser/), tesseract with Simplified Chinese and poppler for OCR and PDF pages
## (tests/documents/), gettext for the translation-catalog tests (tests/web/test_i18n.py).
## Installed only when something is missing and we are root; otherwise the browser tests fail
## and say how to get chromium (DANGAN_SKIP_BROWSER_TESTS=1 skips them), and the OCR and
## catalog tests say why they are skipped.
SYSTEM_PACKAGES := chromium fonts-noto-cjk tesseract-ocr tesseract-ocr-chi-sim poppler-utils gettext
browser: system-packages
system-packages:
	@missing=$$(for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done 2>/dev/null); \
	if [ -n "$$missing" ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "installing Debian packages for the tests: $$missing"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null) \
	    || echo "could not install $$missing: the browser tests will say how to get chromium"; \
	fi

## Re-copy htmx and Chart.js (exact versions of web/package-lock.json, from the npm registry)
## into web/static/vendor/, where they are committed: running the app never needs npm.
vendor:
	sh web/vendor.sh

## In `make test` the benches run two at a time: there they prove that every bench still runs
## and checks its output (most of their time is migrating their own databases). Their figures
## are then taken under load; measure with `make bench-quick` (one at a time) or a bench alone.
BENCH_JOBS ?= 1
bench-quick: install
	@ls bench/*.py | xargs -P $(BENCH_JOBS) -I{} sh -c 'echo "== {} --quick" >&2; $(VPY) {} --quick'


## Re-resolve the pinned dependency set after editing pyproject.toml.
lock: install
	$(UV) pip compile -q --python $(VPY) --extra dev --python-version 3.11 pyproject.toml -o requirements.lock

clean:
	rm -rf var/tmp
