#!/usr/bin/env bash
# deploy/bench.sh - run the benchmarks against the test profile's stack (`make bench`).
# Starts Kafka and PostgreSQL for the test profile unless they already run, and stops
# exactly what it started, whatever the outcome. Extra arguments go to bench/run.py
# (e.g. --events 1000000, --smoke).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export JANGKAU_PROFILE=test

started=0
stop_started() {
  if [[ $started == 1 ]]; then bash deploy/stack.sh down; fi
}
trap stop_started EXIT

if ! bash deploy/stack.sh is-up; then
  # A run that starts the stack starts it empty: fresh databases and a freshly formatted broker.
  bash deploy/postgres.sh reset
  JANGKAU_KAFKA_FRESH=1 JANGKAU_STARTED_BY=make-bench bash deploy/stack.sh up
  started=1
fi

uv_cmd=(uv)
command -v uv >/dev/null 2>&1 || uv_cmd=(python3 -m uv)
"${uv_cmd[@]}" run --frozen python bench/run.py "$@"
