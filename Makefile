# csa-stats: `make demo` runs the main job, `make test` the tests, on a fresh Debian machine
# that has only python3 (and pip): uv is installed when missing, everything else by uv.
SHELL := /bin/bash
.DEFAULT_GOAL := help

export UV_PYTHON_DOWNLOADS := never
export UV_COMPILE_BYTECODE := 1
export AIRFLOW_HOME := $(CURDIR)/.airflow
export AIRFLOW__CORE__LOAD_EXAMPLES := False
export AIRFLOW__CORE__DAGS_FOLDER := $(CURDIR)/dags
export AIRFLOW__CORE__PARALLELISM := 4
export AIRFLOW__CORE__MAX_ACTIVE_TASKS_PER_DAG := 4
# Who may do what (simple auth manager roles: viewer, user, op, admin): the admin runs Airflow,
# `approver` answers release approvals (only the users in the Airflow variable
# csa_release_approvers, config/airflow_variables.json, may), `analyst` only reads. Passwords and
# the JWT signing secret are random per installation, in $(AIRFLOW_HOME) (git-ignored, mode 0600).
export AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS ?= admin:admin,approver:user,analyst:viewer
export AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS := False
export AIRFLOW__API_AUTH__JWT_SECRET_CMD := cat $(AIRFLOW_HOME)/jwt_secret
# The API server and UI listen on loopback only, unless configured otherwise
# (e.g. `make airflow AIRFLOW__API__HOST=0.0.0.0` behind a TLS proxy).
export AIRFLOW__API__HOST ?= 127.0.0.1
export AIRFLOW__API__PORT ?= 8080
export AIRFLOW__CORE__EXECUTION_API_SERVER_URL ?= http://127.0.0.1:$(AIRFLOW__API__PORT)/execution/
export CSA_DATA_DIR ?= $(CURDIR)/data

UV := $(shell command -v uv 2>/dev/null || echo python3 -m uv)
BIN := $(CURDIR)/.venv/bin
DEMO_GEO ?= AT
DEMO_YEAR ?= 2026
# The day the demo's story is told on: 2026 (two covered periods) has ended and is due, so it is
# received, judged and published (settings: CSA_TODAY).
DEMO_TODAY ?= 2027-09-30
comma := ,
NATIONAL_CONF := {"geo": "$(DEMO_GEO)"$(comma) "year": $(DEMO_YEAR)}
COLLECT_CONF := {"wait_for_files": false}

.PHONY: help install airflow-init airflow demo test lint clean-demo debian-packages cluster cluster-stop cluster-packages cluster-venv test-cluster

help:
	@echo "make demo   generate demo submissions and run collection, release and a national pipeline through Airflow"
	@echo "make airflow  start Airflow (UI, scheduler) with these DAGs; releases wait for your approval in the UI"
	@echo "make test   run the test suite (what CI runs)"
	@echo "make cluster / make cluster-stop  the cluster profile on this machine (docs/deployment.md)"
	@echo "make test-cluster  collection and releases through Celery with every folder on S3 (CI runs it too)"
	@echo "make lint   ruff and the import layers (import-linter)"

# uv itself: installed with pip when missing (user site, or a PEP 668 system Python).
.uv-installed:
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || \
	  python3 -m pip install --user --quiet uv || \
	  python3 -m pip install --user --quiet --break-system-packages uv
	@touch $@

.venv/installed: .uv-installed pyproject.toml uv.lock
	$(UV) sync --frozen
	@touch $@

install: .venv/installed

# The VTL engine the tests run as an oracle (vtlengine, AGPL-3.0, test-only) lives in an
# environment of its own: it needs pandas < 3 and DuckDB < 2.
VTL_ENV := $(CURDIR)/.venv-vtl
$(VTL_ENV)/installed: .uv-installed tests/vtl_oracle/pyproject.toml tests/vtl_oracle/uv.lock
	UV_PROJECT_ENVIRONMENT=$(VTL_ENV) $(UV) sync --frozen --project tests/vtl_oracle
	@touch $@

# A git-ignored AIRFLOW_HOME inside the project, SQLite metadata DB; pools, connections and
# variables from config/ (the files are the truth: applied again whenever they change).
AIRFLOW_SETTINGS := config/airflow_pools.json config/airflow_connections.json config/airflow_variables.json
$(AIRFLOW_HOME)/initialised: .venv/installed $(AIRFLOW_SETTINGS)
	@$(BIN)/python -m csa_stats.service $(AIRFLOW_HOME) "$(AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS)"
	$(BIN)/airflow db migrate >/dev/null
	$(BIN)/airflow pools import config/airflow_pools.json >/dev/null
	$(BIN)/airflow connections import --overwrite config/airflow_connections.json >/dev/null
	$(BIN)/airflow variables import --action-on-existing-key overwrite config/airflow_variables.json >/dev/null
	@touch $@

airflow-init: $(AIRFLOW_HOME)/initialised

# Each DAG runs through `airflow dags test`; its log goes to $(CSA_DATA_DIR)/logs/, its tail to the
# terminal on failure.
DAG_TEST = mkdir -p $(CSA_DATA_DIR)/logs && $(BIN)/airflow dags test $(1) > $(CSA_DATA_DIR)/logs/$(2).log 2>&1 \
	  && echo "  $(2): success" || (tail -40 $(CSA_DATA_DIR)/logs/$(2).log; exit 1)

# The loop between a national office and the Commission: the national pipeline of $(DEMO_GEO) runs in
# the background until it has sent its file into landing/$(DEMO_GEO)/ and waits for the verdict;
# the Union's collection takes it with the other states' files; the verdict comes back to it.
LANDED = $(CSA_DATA_DIR)/landing/$(DEMO_GEO)/ART8_$(DEMO_GEO)_$(DEMO_YEAR)_R*.json

# Only the demo answers approvals by itself, as the actor `demo` (recorded in the audit log);
# `make airflow` and production leave them to a human.
demo: export CSA_AUTO_APPROVE_AS := demo
demo: export CSA_TODAY := $(DEMO_TODAY)
demo: export CSA_FEEDBACK_POLL ?= 5
demo: export CSA_FEEDBACK_TIMEOUT ?= 1
demo: airflow-init debian-packages
	$(BIN)/csa-stats demo-data --national $(DEMO_GEO) --revisions-to $(CSA_DATA_DIR)/revisions
	@# $(DEMO_GEO)'s $(DEMO_YEAR) file comes from its national pipeline, not from the demo generator
	rm -f $(CSA_DATA_DIR)/landing/$(DEMO_GEO)/ART8_$(DEMO_GEO)_$(DEMO_YEAR)_*
	@echo "National pipeline of $(DEMO_GEO) for $(DEMO_YEAR), sending to the Union; Union collection (through Airflow; approvals answered by the actor demo):"
	@set -m; mkdir -p $(CSA_DATA_DIR)/logs; ($(call DAG_TEST,national_statistics -c '$(NATIONAL_CONF)',1-national_statistics)) & national=$$!; \
	  for _ in $$(seq 600); do ls $(LANDED) >/dev/null 2>&1 || ! kill -0 $$national 2>/dev/null && break; sleep 1; done; \
	  ls $(LANDED) >/dev/null 2>&1 && echo "  $(DEMO_GEO) sent $$(basename $(LANDED)) into landing/$(DEMO_GEO)/"; \
	  $(call DAG_TEST,union_collection -c '$(COLLECT_CONF)',2-union_collection) || { kill -- -$$national; exit 1; }; \
	  wait $$national
	$(BIN)/csa-stats status --national $(DEMO_GEO)
	@$(call DAG_TEST,union_release,3-union_release)
	@echo "A revision lands after the first release:"
	cp -Rp $(CSA_DATA_DIR)/revisions/. $(CSA_DATA_DIR)/landing/
	@$(call DAG_TEST,union_collection -c '$(COLLECT_CONF)',4-union_collection_revision)
	@$(call DAG_TEST,union_release,5-union_release_revision)
	$(BIN)/csa-stats summary
	@echo "national warehouse, release and Commission-bound file: $(CSA_DATA_DIR)/national/$(DEMO_GEO)/"
	@echo "Airflow logs of this run: $(CSA_DATA_DIR)/logs/"

# Airflow as a service on the embedded default (SQLite, LocalExecutor) with these DAGs. A file
# dropped into a state's landing prefix is collected within a minute; union_release then waits for a
# human under Browse -> Required Actions. CSA_AUTO_APPROVE_AS is removed: nothing approves itself.
PASSWORDS := $(AIRFLOW_HOME)/simple_auth_manager_passwords.json.generated
airflow: airflow-init
	@$(BIN)/python -m csa_stats.service $(AIRFLOW_HOME) "$(AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS)"
	@mkdir -p $(CSA_DATA_DIR)/landing
	@$(BIN)/airflow dags reserialize >/dev/null 2>&1
	@for d in union_collection union_release submission_deadlines; do $(BIN)/airflow dags unpause $$d >/dev/null 2>&1; done
	@echo "Airflow UI: http://$(AIRFLOW__API__HOST):$(AIRFLOW__API__PORT)  user: admin  password: $$($(BIN)/python -c 'import json, sys; print(json.load(open(sys.argv[1]))["admin"])' $(PASSWORDS))"
	@echo "Users $(AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS); their passwords: $(PASSWORDS) (README: Airflow as a service)"
	@echo "Drop submissions into $(CSA_DATA_DIR)/landing/<GEO>/ ; approve releases under Browse -> Required Actions (README). Ctrl-C stops."
	env -u CSA_AUTO_APPROVE_AS PATH="$(BIN):$$PATH" $(BIN)/airflow standalone

# Debian packages: chromium (the site test drives it through Playwright, which never downloads a
# browser here), pango and fonts (WeasyPrint renders the national PDFs), poppler-utils (the tests
# read the PDFs back with pdftotext and pdfinfo). Installed only when one is missing.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
DEBIAN_PACKAGES := chromium libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core poppler-utils
debian-packages:
	@dpkg -s $(DEBIAN_PACKAGES) >/dev/null 2>&1 || \
	  ($(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq $(DEBIAN_PACKAGES))

test: airflow-init debian-packages $(VTL_ENV)/installed
	$(BIN)/python -m pytest -q

# --- the cluster profile (docs/deployment.md) ------------------------------------------------
# PostgreSQL, Redis, moto's S3 server, Airflow's components and two Celery workers on loopback;
# Debian packages by apt, Python ones from uv.lock's `cluster` extra.
CLUSTER := deploy/cluster.sh
# Synced every time (a second or two when nothing changed): a plain `make install` or `make test`
# syncs without the extra and removes its packages, which a marker file would not notice.
cluster-venv: .venv/installed
	$(UV) sync --frozen --extra cluster

cluster-packages:
	@command -v redis-server >/dev/null && ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || \
	  ($(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq postgresql redis-server)

# Nothing approves itself on a cluster a human uses.
cluster: cluster-venv cluster-packages
	env -u CSA_AUTO_APPROVE_AS $(CLUSTER) start

cluster-stop:
	$(CLUSTER) stop

# A fresh cluster of its own, the run of tests/cluster/ through it, then everything stopped.
test-cluster: export CSA_CLUSTER_DIR := $(CURDIR)/.cluster-test
test-cluster: export CSA_CLUSTER_TEST := 1
test-cluster: export CSA_AUTO_APPROVE_AS := cluster-test
test-cluster: cluster-venv cluster-packages
	$(CLUSTER) clean
	trap '$(CLUSTER) stop' EXIT; $(CLUSTER) start && $(BIN)/python -m pytest -q -s tests/cluster

# ruff, and import-linter: the direction of imports between the stages (pyproject.toml).
lint: .venv/installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

clean-demo:
	rm -rf $(CSA_DATA_DIR)
