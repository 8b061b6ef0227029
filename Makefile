# The two commands of the README's quick start, and the pieces they are made of.
# The logic lives in scripts/ so that it is plain bash, usable without make.

.PHONY: run test install services

# Web on http://127.0.0.1:8000 + Celery worker + Celery beat, with demo data; Ctrl-C stops all.
run:
	scripts/run

# ruff, makemigrations --check and pytest against real PostgreSQL and Redis.
# Pass pytest options with ARGS, e.g. make test ARGS="-k heartbeat -x".
test:
	scripts/test $(ARGS)

install:
	scripts/install

services:
	scripts/ensure-services
