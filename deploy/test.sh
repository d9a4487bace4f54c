#!/usr/bin/env bash
# deploy/test.sh - run the test suite against the test profile's stack (`make test`).
# Starts Kafka and PostgreSQL for the test profile unless they already run, and stops
# exactly what it started, whatever the outcome. Extra arguments go to pytest.
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
  JANGKAU_KAFKA_FRESH=1 JANGKAU_STARTED_BY=make-test bash deploy/stack.sh up
  started=1
fi

uv_cmd=(uv)
command -v uv >/dev/null 2>&1 || uv_cmd=(python3 -m uv)
"${uv_cmd[@]}" run --frozen pytest "$@"
