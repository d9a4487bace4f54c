#!/usr/bin/env bash
# deploy/test.sh - run the test suite against the test profile's stack (`make test`).
# Extra arguments go to pytest. The stack is started and stopped by deploy/with-test-stack.sh.
set -euo pipefail
exec bash "$(dirname "${BASH_SOURCE[0]}")/with-test-stack.sh" make-test pytest "$@"
