#!/usr/bin/env bash
# deploy/bench.sh - run the benchmarks against the test profile's stack (`make bench`).
# Extra arguments go to bench/run.py (e.g. --events 1000000, --smoke). The stack is started
# and stopped by deploy/with-test-stack.sh.
set -euo pipefail
exec bash "$(dirname "${BASH_SOURCE[0]}")/with-test-stack.sh" make-bench python bench/run.py "$@"
