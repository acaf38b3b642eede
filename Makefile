# lienthong — the operator's entry point. `make` (or `make help`) lists every target.
SHELL := /bin/bash
.DEFAULT_GOAL := help
STACK := deploy/local/stack.sh
VENV ?= .venv
PY := $(VENV)/bin/python
ENV := set -a && . deploy/local/env.sh && set +a &&

.PHONY: help deps stack-up stack-down stack-status logs demo test test-unit test-integration \
        test-e2e test-chaos test-cluster chaos test-browser test-api test-security lint format up down officer officers rotate-officer revoke-officer dlq redrive bench \
        contracts venv lock

help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z0-9_-]+:.*## / {printf "  \033[1m%-18s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

deps: ## install what is missing: Debian packages, FerretDB (if no mongod), the Python venv
	@$(STACK) install

venv: ## the Python venv alone, from requirements.lock: all that lint, format, test-unit and contracts need
	@$(STACK) venv

lock: ## resolve pyproject.toml's dependencies anew (fresh venv) and pin them all in requirements.lock
	@$(STACK) lock

stack-up: ## start RabbitMQ (LT_RABBITMQ_NODES=3: a cluster of three), the MongoDB-wire server, Kannel + fakesmsc, the simulators and the nine services
	@$(STACK) up

stack-down: ## stop exactly what stack-up started (by pid file)
	@$(STACK) down

stack-status: ## what of the local stack is running
	@$(STACK) status

logs: ## the last lines of every log of the local stack (LINES=40)
	@$(STACK) logs

demo: stack-up ## run one whole journey on the local stack and print it, SMS included
	@$(ENV) $(PY) deploy/local/demo.py

lint: venv ## ruff lint and format check, mypy (strict on contracts/ and the domain modules)
	@$(VENV)/bin/ruff check contracts services tests deploy bench
	@$(VENV)/bin/ruff format --check contracts services tests deploy bench
	@$(VENV)/bin/mypy

format: venv ## apply ruff's formatting
	@$(VENV)/bin/ruff format contracts services tests deploy bench

contracts: venv ## export every event, command and HTTP body as JSON Schema into contracts/schemas/
	@$(PY) -m contracts.export

test: deps lint test-unit test-integration test-e2e test-browser test-api test-security test-chaos test-cluster ## lint, then every test level against the real servers

test-unit: venv ## unit tests: pure logic, no I/O
	@$(VENV)/bin/pytest -q tests/unit

test-integration: deps ## integration tests: services in nameko containers on the real broker and database
	@$(STACK) infra-up
	@$(STACK) services-down  # in-process containers take the services' queues here
	@$(ENV) $(VENV)/bin/pytest -q tests/integration

test-e2e: stack-up ## end-to-end tests: all services as processes, driven over HTTP
	@$(ENV) $(VENV)/bin/pytest -q tests/e2e

bench: stack-up ## ceilings, the system's figures against them, Mỹ An's half-year replayed; SCALE=small for a quick run, ONLY=myan for one part (not in make test)
	@$(ENV) $(PY) -W ignore -m bench --scale $(or $(SCALE),full) $(if $(ONLY),--only $(ONLY)) $(if $(PROFILE),--profile) $(if $(NOTE),--note "$(NOTE)")

test-browser: stack-up ## the console and citizen page in headless Chromium; screenshots in tests/artifacts/browser/
	@$(ENV) $(VENV)/bin/pytest -q tests/browser

# schemathesis against the served OpenAPI document, as a commune receiver; its failed lookups
# on the citizen page count for a documentation address (192.0.2.77), not for 127.0.0.1
API_CHECKS := not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance
test-api: stack-up ## schemathesis against /api/openapi.json: no 500, every answer as documented
	@$(ENV) token=$$($(PY) -W ignore -m services.gateway.officers issue \
	    --office X28720 --role receiver --name "schemathesis") && \
	  $(VENV)/bin/schemathesis run "$$LT_PUBLIC_URL/api/openapi.json" \
	    -H "Authorization: Bearer $$token" -H "X-Forwarded-For: 192.0.2.77" \
	    --checks $(API_CHECKS) --max-examples $(or $(EXAMPLES),30) --no-color

test-security: stack-up ## the hostile set: schemathesis's negative mode, forged and replayed callbacks, path and header tricks, a slow client; no 500, nothing stored, >= 1,000 inputs
	@$(ENV) $(VENV)/bin/pytest -q -s tests/security

test-chaos: stack-up ## the short chaos run as a test: 300 dossiers, each service killed once, one RabbitMQ and one database restart; asserts lost=0 duplicated=0 stuck=0, then a recount finds no counter off
	@$(ENV) $(VENV)/bin/pytest -q tests/chaos

test-cluster: ## the stack grown to a 3-node RabbitMQ cluster: a quorum queue's leader killed under confirmed publishing, then the short chaos run with each node kill -9ed once too
	@LT_RABBITMQ_NODES=3 $(STACK) up
	@$(ENV) $(VENV)/bin/pytest -q tests/cluster tests/chaos

chaos: stack-up ## the full chaos run: N=2000 dossiers, each service kill -9ed KILLS=3 times, RabbitMQ and the database restarted; prints lost/duplicated/stuck
	@$(ENV) $(PY) -W ignore -m tests.chaos.runner --dossiers $(or $(N),2000) --kills $(or $(KILLS),3) $(if $(SEED),--seed $(SEED))

dlq: ## messages parked in the dead-letter queue (with reason) and SMS failed for good
	@$(ENV) $(PY) -W ignore -m services.ops.deadletters list

redrive: ## send parked messages back to their queue: make redrive, or make redrive ID=<message id>
	@$(ENV) $(PY) -W ignore -m services.ops.deadletters redrive $(if $(ID),--id "$(ID)")

reconcile: ## online payments of a UTC day against the payment platform's records: make reconcile DATE=2026-12-05
	@$(ENV) $(PY) -W ignore -m services.ops.reconcile --date "$(or $(DATE),$(shell date -u +%F))"

portal-status: ## the national portal sync: one dossier's (CODE=…) or the parked ones
	@$(ENV) $(PY) -W ignore -m services.ops.portal status $(if $(CODE),--code "$(CODE)")

portal-resync: ## push again to the national portal: make portal-resync CODE=… or FROM=YYYY-MM-DD TO=YYYY-MM-DD
	@$(ENV) $(PY) -W ignore -m services.ops.portal resync $(if $(CODE),--code "$(CODE)") $(if $(FROM),--from "$(FROM)" --to "$(TO)")

officer: ## issue an officer token: make officer OFFICE=X28720 ROLE=receiver NAME="Nguyễn Văn A"
	@$(ENV) $(PY) -W ignore -m services.gateway.officers issue --office "$(OFFICE)" --role "$(ROLE)" --name "$(NAME)"

officers: ## every officer token: id, office, role, name, issued, revoked
	@$(ENV) $(PY) -W ignore -m services.gateway.officers list

rotate-officer: ## a new token for the same officer; the old one works GRACE_HOURS more (24): make rotate-officer ID=<id>
	@$(ENV) $(PY) -W ignore -m services.gateway.officers rotate "$(ID)" --grace-hours "$(or $(GRACE_HOURS),24)"

revoke-officer: ## revoke an officer token: make revoke-officer ID=<id from make officers>
	@$(ENV) $(PY) -W ignore -m services.gateway.officers revoke "$(ID)"

up: ## docker compose: the whole system in containers (needs a Docker engine and .env)
	@test -f .env || { cp .env.example .env && echo "created .env from .env.example: change its secrets"; }
	docker compose --profile simulator up -d --build

down: ## docker compose: stop the containers
	docker compose --profile simulator down

# --- operations: backups, Kubernetes manifests (issue 10) -------------------------------------
.PHONY: backup restore reindex recount compact

backup: ## copy every service's database to .stack/backups/<UTC time> (or DIR=…), with a manifest
	@$(ENV) $(PY) -W ignore -m services.ops.backup backup $(if $(DIR),--dir "$(DIR)")

reindex: ## stop the services, then rebuild every read view from its aggregates (after an upgrade that changed a view)
	@$(STACK) services-down
	@$(ENV) $(PY) -W ignore -m services.ops.reindex
	@echo "start the services again: make stack-up"

compact: ## drop the journal of dossiers, receipts, SMS and shipments settled DAYS ago (30); services may run
	@$(ENV) $(PY) -W ignore -m services.ops.compact $(if $(DAYS),--days $(DAYS))

recount: ## recount every counter from the aggregates and report differences; REPAIR=1 stops the services and rewrites them
ifeq ($(REPAIR),1)
	@$(STACK) services-down
	@$(ENV) $(PY) -W ignore -m services.ops.recount --repair
	@echo "start the services again: make stack-up"
else
	@$(ENV) $(PY) -W ignore -m services.ops.recount
endif

restore: ## stop the services, load a backup, recount the counters: make restore [DIR=…] [DROP=1] (default: the latest)
	@$(STACK) services-down
	@$(ENV) $(PY) -W ignore -m services.ops.backup restore $(if $(DIR),--dir "$(DIR)") $(if $(DROP),--drop)
	@$(ENV) $(PY) -W ignore -m services.ops.recount --repair
	@echo "start the services again: make stack-up"
