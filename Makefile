# resumeflow — every workflow in one place. `make demo` and `make test` do all set-up on a fresh machine.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
RF := $(BIN)/resumeflow
CELLS ?= 3
# The tests run on TEST_WORKERS pytest processes (pytest-xdist), one file to a process: the integration tests mostly
# wait on the broker and their workers, each process has a namespace of its own on the one stack (conftest's
# test_app_id), and `stack up` takes turns. 3 processes: 792 s for what took about 1,480 s in one, on 2 cores.
# Tests marked `serial` (schemathesis's) run after, in one process.
TEST_WORKERS ?= 3
PYTEST_PARALLEL := $(BIN)/pytest -q -n $(TEST_WORKERS) --dist loadfile

.PHONY: help venv system-packages system-packages-tests stack stack-down demo bench test test-unit test-integration \
        test-web \
        lint dev dev-cells dev-cluster test-failover load-test chaos-test bench-stages bench-ceiling lock clean \
        check-deploy k8s-manifests image skill-tagger

help:
	@echo "make demo            set up, start the local stack, run the pipeline on sample data"
	@echo "make test            set up, lint, run unit and integration tests (starts the stack itself)"
	@echo "make test-web        the web client end to end in headless Chromium; screenshots in test-artifacts/web/"
	@echo "make dev             stack + sink + query API/web client (:8080) + every processor, in the foreground"
	@echo "make dev-cells CELLS=3  stack + CELLS workers sharing the cells (Ctrl-C stops all)"
	@echo "make dev-cluster     a three-broker Kafka cluster (replication 3, min.insync.replicas 2) + the other services, topics applied"
	@echo "make test-failover   kill -9 workers under load: their cells move with their state; the time until they process again"
	@echo "make stack-down      stop the local services (data kept; 'resumeflow stack down --wipe' deletes it)"
	@echo "make chaos-test      fault drills: poison on every input topic, kill -9, broker/PostgreSQL/Redis outages"
	@echo "make bench           throughput: codec, profiles, extraction (vocabulary and span model), embeddings, rendering"
	@echo "make load-test       the whole pipeline: applications/s end to end, and how cost grows with users and workers"
	@echo "make bench-stages    stages under load: analysis fp32/int8, rendering, the sink's rows/s, API latency"
	@echo "make bench-ceiling   raw Kafka vs bare Faust vs each processor's pass-through, side by side (ARGS=--records N)"
	@echo "make skill-tagger    fine-tune MiniLM on SkillSpan (../shared) for RESUMEFLOW_SKILL_TAGGER (~35 min on 2 cores)"
	@echo "make lock            re-lock requirements.lock with hashes from pyproject.toml"
	@echo "make k8s-manifests   regenerate deploy/k8s/base/generated/ from the topic catalog and the processor registry"
	@echo "make check-deploy    validate the Kubernetes manifests offline (installs kustomize, kubeconform, schemas)"
	@echo "make image           build deploy/Dockerfile (docker, or buildah without an engine) and run it once"

# The venv is rebuilt when the lock or the project metadata changes; installs are hash-checked. pip brings uv (its
# pin and hashes taken from the lock), then uv installs the lock: the same hash checks, but it downloads and unpacks
# in parallel. torch's CUDA wheels make the lock about 5 GB: `make venv` took 48 s here (pip: 4-6.5 minutes).
# --system-certs: the platform's certificate store, as pip's truststore uses (a proxy's CA is found there).
$(BIN)/.installed: requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	awk '/^[^ #]/ { keep = /^uv==/ } keep' requirements.lock > $(VENV)/uv-requirement.txt
	$(BIN)/pip install --quiet --disable-pip-version-check --require-hashes -r $(VENV)/uv-requirement.txt
	$(BIN)/uv pip install --quiet --system-certs --python $(BIN)/python --require-hashes -r requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $@

venv: $(BIN)/.installed

# What pip cannot bring (a JDK and Maven for Kafka; poppler-utils and promtool for the tests), from Debian's packages.
system-packages:
	@deploy/install-system-packages.sh

# The Kubernetes manifests' validators too (about 80 s the first time, Go builds), so the tests validate them; where
# Go or npm is missing the script says so (exit 3) and those tests are skipped, saying why. Any other failure stops.
system-packages-tests:
	@deploy/install-system-packages.sh --tests
	@deploy/install-promtool.sh >/dev/null
	@deploy/install-k8s-tools.sh >/dev/null || [ $$? -eq 3 ]

stack: venv system-packages
	$(RF) stack up
	$(RF) topics apply

# Three Kafka nodes (broker+controller each) instead of one; the stack remembers the count, so later commands
# need no flag. On an existing one-broker stack's data it is refused: `resumeflow stack down --wipe` first.
dev-cluster: venv system-packages
	$(RF) stack up --brokers 3
	$(RF) topics apply

stack-down:
	@if [ -x $(RF) ]; then $(RF) stack down; fi

demo: stack
	$(RF) demo
	@echo
	@echo "Where to look:"
	@echo "  $(RF) topics list                 the topic map, live partition counts"
	@echo "  $(RF) topics tail user.profiles   accepted profiles (resumes elided; --full shows them)"
	@echo "  $(RF) topics tail profile.rejected"
	@echo "  $(RF) topics tail job.discovered    then job.analysis, job.analyzed, resume.generated"
	@echo "  $(RF) topics tail application.updates   then application.submitted, response.received, workflow.completed"
	@echo "  .resumeflow/artifacts/             the rendered resumes and cover letters, by sha256 (the URIs above)"
	@echo "  .resumeflow/demo/mail/             what the local SMTP server received: a Maildir per recipient"
	@echo "  $(RF) applications approve ID --email ada.park@example.org   (the review queue; also reject, withdraw, ...)"
	@echo "  $(RF) outcomes record ID --email E --kind INTERVIEW        $(RF) learning report --email E"
	@echo "  $(RF) render --profile demo/ada.profile.json --job tests/fixtures/jobs/backend_engineer.txt --out /tmp/cv"
	@echo "  $(RF) stack status                the services and their addresses (also in .resumeflow/stack.env)"
	@echo
	@echo "The web client (served by the query API; plain http on 127.0.0.1, hence the cookie setting):"
	@echo "  RESUMEFLOW_API_SECRET=$$(openssl rand -hex 32) RESUMEFLOW_API_COOKIE_SECURE=false $(RF) api --port 8080"
	@echo "  then open http://127.0.0.1:8080/ and sign in as a demo user with the password printed here (a new one"
	@echo "  each run; \`$(RF) user password --email E\` makes another):"
	@$(RF) user password --email sam.okafor@example.net
	@$(RF) user password --email ada.park@example.org
	@echo "  or use \"Get a link by mail\" (and sign up, which mails a confirm link): start the API with RESUMEFLOW_SMTP_HOST=127.0.0.1"
	@echo "  RESUMEFLOW_SMTP_PORT=2525 RESUMEFLOW_SMTP_SECURITY=none next to"
	@echo "  $(RF) mail serve --maildir .resumeflow/demo/mail --port 2525   (the link lands in .resumeflow/demo/mail/<email>/)"

lint: venv
	$(BIN)/ruff check .

test-unit: venv system-packages-tests
	$(PYTEST_PARALLEL) tests/unit

test-integration: venv system-packages-tests
	$(PYTEST_PARALLEL) -m "integration and not serial" tests
	$(BIN)/pytest -q -m "integration and serial" tests

test-web: venv system-packages-tests
	$(BIN)/pytest -q -s tests/integration/test_web_client_e2e.py

test: lint venv system-packages-tests
	$(PYTEST_PARALLEL) --durations=20 -m "not drill and not serial" tests
	$(BIN)/pytest -q -m "serial and not drill" tests

# Everything in the foreground: the sink (PostgreSQL views), the query API and web client on :8080, and one worker
# running every processor. Ctrl-C stops all three. The API signs per-user tokens with RESUMEFLOW_API_SECRET; its
# session cookie is not Secure here (plain http on 127.0.0.1) unless RESUMEFLOW_API_COOKIE_SECURE=true is set.
dev: stack
	@test -n "$$RESUMEFLOW_API_SECRET" || { echo "set RESUMEFLOW_API_SECRET first, e.g.:" >&2; \
	  echo "  export RESUMEFLOW_API_SECRET=\$$(python3 -c 'import secrets; print(secrets.token_urlsafe(48))')" >&2; exit 2; }
	@echo "web client: http://127.0.0.1:8080  (a user's token: $(RF) user token --email EMAIL)"
	@echo "metrics: sink :9400, API :9401, processors :9410 and up (in the order the worker prints), /metrics"
	@echo "mail: sign-up confirmations and sign-in links go to a local SMTP server (:2525) unless RESUMEFLOW_SMTP_HOST"
	@echo "  is set (the email channel's applications too); each lands in $${RESUMEFLOW_HOME:-.resumeflow}/dev/mail/<email>/"
	@trap 'kill 0' INT TERM EXIT; \
	RESUMEFLOW_METRICS_PORT=9400 $(RF) sink & \
	if [ -z "$$RESUMEFLOW_SMTP_HOST" ]; then \
	  $(RF) mail serve --maildir "$${RESUMEFLOW_HOME:-.resumeflow}/dev/mail" --port 2525 & \
	  export RESUMEFLOW_SMTP_HOST=127.0.0.1 RESUMEFLOW_SMTP_PORT=2525 RESUMEFLOW_SMTP_SECURITY=none; \
	fi; \
	RESUMEFLOW_METRICS_PORT=9401 RESUMEFLOW_API_COOKIE_SECURE=$${RESUMEFLOW_API_COOKIE_SECURE:-false} \
	  $(RF) api --host 127.0.0.1 --port 8080 & \
	RESUMEFLOW_METRICS_PORT=9410 $(RF) worker all; wait

# Several workers in one consumer group: Kafka hands each a share of the cells (partitions) and moves them
# when one stops. Each worker keeps its RocksDB tables in its own directory. With RESUMEFLOW_METRICS_PORT set,
# worker i's processors serve metrics from that port + 10*(i-1) (`worker all` adds 0..6 for its children).
dev-cells: stack
	@trap 'kill 0' INT TERM EXIT; \
	for i in $$(seq 1 $(CELLS)); do \
	  if [ -n "$$RESUMEFLOW_METRICS_PORT" ]; then port=$$(($$RESUMEFLOW_METRICS_PORT + 10 * ($$i - 1))); \
	    echo "worker cell$$i: metrics from 127.0.0.1:$$port"; \
	    RESUMEFLOW_WORKER_ID=cell$$i RESUMEFLOW_METRICS_PORT=$$port $(RF) worker all --loglevel warning & \
	  else RESUMEFLOW_WORKER_ID=cell$$i $(RF) worker all --loglevel warning & fi; \
	done; \
	wait

bench: stack
	$(BIN)/python -m bench.codec_throughput
	$(BIN)/python -m bench.profiles_throughput
	$(BIN)/python -m bench.extraction_throughput
	$(BIN)/python -m bench.skill_spans_throughput
	$(BIN)/python -m bench.analysis_throughput
	$(BIN)/python -m bench.render_throughput

# The opt-in skill tagger (README, "Skill spans"): every weight of the bundled MiniLM fine-tuned on SkillSpan's train
# split (scored on dev), then again on train + dev (scored on test once); analysis uses it when
# RESUMEFLOW_SKILL_TAGGER names the file. Needs the SkillSpan files (../shared, or SKILLSPAN=DIR).
SKILLSPAN ?= ../shared/data/skills/skillspan
SKILL_TAGGER ?= .resumeflow/models/skill_tagger.pt
skill-tagger: venv
	mkdir -p $(dir $(SKILL_TAGGER))
	$(RF) train skills --data $(SKILLSPAN) --approach minilm-full --epochs 10 --seed 13 --refit-on-dev \
		--out $(SKILL_TAGGER)

bench-stages: stack
	$(BIN)/python -m bench.analysis_throughput
	$(BIN)/python -m bench.render_throughput
	$(BIN)/python -m bench.sink_throughput
	$(BIN)/python -m bench.api_latency

# The ceiling: raw confluent-kafka, a bare Faust agent and each processor's pass-through in the generic cell agent,
# side by side on fresh topics; bench/results/ceiling.json. ARGS e.g. "--records 20000 --rounds 3 --label after".
bench-ceiling: stack
	$(BIN)/python -m bench.ceiling $(ARGS)

# A worker's cells move with their state: a worker with an empty disk restores a cell from its changelog (the
# test), the generic agent's rebalance tests (marked `drill`: too slow for `make test`), then the drill: kill -9 workers under load, the time until their cells process again, lost and duplicated
# applications (bench/results/failover.json). ARGS e.g. "--users 32 --kill analysis".
test-failover: stack
	$(BIN)/pytest -q tests/integration/test_cells_move_with_their_state.py
	$(BIN)/pytest -q -m drill tests
	$(BIN)/python -m bench.failover $(ARGS)

# Benchmarks of the whole pipeline (README, "Benchmarks and fault drills"); each prints a table and writes
# bench/results/<name>.json.
load-test: stack
	$(BIN)/python -m bench.end_to_end
	$(BIN)/python -m bench.growth
	$(MAKE) --no-print-directory bench-stages
	$(BIN)/python -m bench.ceiling

# Fault drills on the local stack (127.0.0.1), in topic namespaces of their own (the wipe drill on a scratch stack);
# exits non-zero when a drill's expectation fails. `python -m bench.chaos --only NAME` runs one.
chaos-test: stack
	$(BIN)/python -m bench.chaos

# Kubernetes (README "Deployment"). The generated manifests follow the topic catalog and the processor registry;
# check-deploy installs the validators once into ~/.cache/resumeflow/k8s-tools (about 1-3 minutes: Go builds),
# then checks: generated files current, `kustomize build` of each overlay, kubeconform -strict against the
# Kubernetes and KEDA schemas, the Strimzi resources against Strimzi's CRD schemas.
k8s-manifests: venv
	PYTHONPATH=. $(BIN)/python -m deploy.generate

check-deploy: venv
	PYTHON=$(BIN)/python deploy/install-k8s-tools.sh
	PYTHON=$(BIN)/python deploy/check-k8s.sh

# The image (README "Deployment"): docker build where an engine runs, else buildah; `make image STANDIN=1` builds from
# a Debian stand-in base when no registry answers, to check the Dockerfile (deploy/build-image.sh says why). About
# 7.5 GB: the lock's torch brings its CUDA wheels.
image:
	STANDIN=$(STANDIN) deploy/build-image.sh

lock: venv
	$(BIN)/uv pip compile pyproject.toml --extra dev --generate-hashes --python-version 3.11 \
	  --python-platform x86_64-manylinux_2_28 \
	  --no-header --quiet -o requirements.lock

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info
