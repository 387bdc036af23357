# Shortcuts for the commands in README.md. `make help` lists them.
.DEFAULT_GOAL := help
PY := .venv/bin/python

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

run: ## set up and run the portal on SQLite with demo data (the first README command)
	scripts/run.sh

test: ## set up and run the whole test suite (the second README command)
	scripts/test.sh

ci: ## what CI runs: lint, migrations, deploy check, tests on PostgreSQL and Redis
	bash .ci/run

lint: ## ruff lint and format check
	.venv/bin/ruff check . && .venv/bin/ruff format --check .

format: ## ruff fix and format
	.venv/bin/ruff check --fix . && .venv/bin/ruff format .

messages: ## rebuild and compile the Chinese catalogue from i18n/zh_Hans/*.po
	$(PY) scripts/messages.py

migrations-check: ## fail if a model change has no migration
	$(PY) manage.py makemigrations --check --dry-run

worker: ## a Celery worker (needs REDIS_URL)
	.venv/bin/celery -A practice_center worker -l info

beat: ## Celery beat, the periodic tasks (needs REDIS_URL)
	.venv/bin/celery -A practice_center beat -l info

bench: ## the benchmarks under bench/ (need PostgreSQL; print figures)
	for script in bench/*_bench.py; do $(PY) $$script; done

.PHONY: help run test ci lint format messages migrations-check worker beat bench
