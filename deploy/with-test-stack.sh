#!/usr/bin/env bash
# deploy/with-test-stack.sh LABEL COMMAND [ARGS...] - run COMMAND against the test profile's stack.
# Starts Kafka and PostgreSQL for the test profile unless they already run (then empty: fresh
# databases and a freshly formatted broker), and stops exactly what it started, whatever the
# outcome: `stack.sh down` of profile test also deletes a PostgreSQL cluster that had to be placed
# outside the checkout (/var/tmp/jangkau-<hash>, e.g. for a clone under /root), so none piles up.
# LABEL is recorded as who started the stack (make-test, make-bench).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export JANGKAU_PROFILE=test
(($# >= 2)) || { echo "usage: deploy/with-test-stack.sh LABEL COMMAND [ARGS...]" >&2; exit 2; }
label=$1
shift

started=0
stop_started() {
  if [[ $started == 1 ]]; then bash deploy/stack.sh down; fi
}
trap stop_started EXIT

if ! bash deploy/stack.sh is-up; then
  bash deploy/postgres.sh reset
  JANGKAU_KAFKA_FRESH=1 JANGKAU_STARTED_BY=$label bash deploy/stack.sh up
  started=1
fi

uv_cmd=(uv)
command -v uv >/dev/null 2>&1 || uv_cmd=(python3 -m uv)
"${uv_cmd[@]}" run --frozen "$@"
