#!/usr/bin/env bash
# deploy/demo.sh - `make up`: the whole local stack with a realistic demo, then where to look.
#
# 1. starts PostgreSQL, Kafka, Prometheus and the three services (deploy/stack.sh), with
#    JANGKAU_METRICS_INSTANCES metrics processes (default 1) that Prometheus all scrapes;
# 2. installs the demo team token (deploy/local.env) in registration and campaigns;
# 3. runs the sesetan-2017 scenario through the public HTTP APIs, like a field team: it plans
#    and holds its campaigns (the three 2016 pilot villages, the Sesetan Karnaval 2017 booth)
#    and registers everyone through the campaign that reached them, then records payments;
# 4. waits until every metrics instance shows the scenario's ground truth, prints the coverage
#    table, the URLs and the next commands.
# JANGKAU_DEMO_SCALE (default 0.1) is the share of the field reports' figures the demo sends:
# 1 sends them in full (4,600 registrations); Denpasar's target is scaled the same way.
# Safe to run again: what runs is left alone, the simulator's client ids make replays no-ops.
set -euo pipefail
JANGKAU_LOG_TAG=demo
# shellcheck source=deploy/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$JANGKAU_REPO_ROOT"

bin=.venv/bin
[[ -x $bin/jangkau ]] || die "the Python workspace is not installed: run 'make install'"
scale=${JANGKAU_DEMO_SCALE:-0.1}
# The share as a fraction for people ("1/10") and the scaled target, or a clear error.
read -r scale_label denpasar_target < <(python3 - "$scale" <<'PY'
import sys
from fractions import Fraction
try:
    share = float(sys.argv[1])
except ValueError:
    share = 0.0
if not 0 < share <= 1:
    sys.exit(1)
label = "full size" if share == 1 else f"{Fraction(share).limit_denominator(1000)} of the field figures"
print(label.replace(" ", "_"), round(22_964 * share))
PY
) || die "JANGKAU_DEMO_SCALE='$scale' must be a number above 0 and at most 1 (e.g. 0.1, 1)"
scale_label=${scale_label//_/ }
svc() { bash deploy/services.sh exec "$@"; }

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

step "Starting PostgreSQL, Kafka, Prometheus and the services (profile $JANGKAU_PROFILE," \
  "$JANGKAU_METRICS_INSTANCES metrics instance(s))"
JANGKAU_STARTED_BY=make-up bash deploy/stack.sh up --with-prometheus --with-services

# shellcheck source=/dev/null
set -a; source deploy/local.env; set +a
eval "$(bash deploy/stack.sh env)"
token=$JANGKAU_DEMO_TOKEN

step "Installing the demo team token (all branches) in registration and campaigns"
for name in registration campaigns; do
  if svc "$bin/jangkau-$name" tokens list | grep -q ' demo-national-ops '; then
    log "$name: demo token already installed"
  else
    svc "$bin/jangkau-$name" tokens create --team demo-national-ops --branch '*' --token "$token" >/dev/null
    log "$name: demo token installed"
  fi
done

export JANGKAU_TOKEN=$token
export JANGKAU_REGISTRATION_URL JANGKAU_CAMPAIGNS_URL JANGKAU_METRICS_URL
export COLUMNS=${COLUMNS:-140}
truth="$JANGKAU_STATE_DIR/demo-truth.json"

step "Running the sesetan-2017 scenario at $scale_label (JANGKAU_DEMO_SCALE=$scale): its campaigns, registrations, payments"
started=$SECONDS
"$bin/jangkau" simulate sesetan-2017 --scale "$scale" --truth "$truth"
log "scenario sent in $((SECONDS - started))s"

# Every instance answers for the whole country: each one must show the truth. The first one
# is JANGKAU_METRICS_URL, the one the jangkau command and the steps below use.
check_args=() metrics_lines=""
for ((i = 1; i <= JANGKAU_METRICS_INSTANCES; i++)); do
  url="http://127.0.0.1:$(service_port "$(metrics_unit "$i")")"
  check_args+=(--metrics "$url")
  metrics_lines+=$(printf '\n  metrics for Prometheus %s/metrics' "$url")
  if ((JANGKAU_METRICS_INSTANCES > 1)); then
    metrics_lines+=" (instance $i: $(metrics_unit "$i"))"
  fi
done
as_of=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["today"])' "$truth")
step "Waiting for the metrics service to show the scenario's ground truth (as of $as_of)"
"$bin/python" deploy/demo_check.py --truth "$truth" --timeout 120 "${check_args[@]}"

# The table below is as of the scenario's day, and the dashboards show today: set both years.
step "Setting Denpasar's demo target for ${as_of:0:4} and $(date +%Y): $denpasar_target" \
  "(the 2017 figure 22,964 at $scale_label)"
for year in "${as_of:0:4}" "$(date +%Y)"; do
  "$bin/jangkau" target set denpasar "$year" --participants "$denpasar_target" >/dev/null
done

step "Coverage of the Denpasar branch as of $as_of (demo at $scale_label)"
"$bin/jangkau" status --branch denpasar --as-of "$as_of"

pg_outside=""
if [[ -L "$PG_LINK" ]]; then
  pg_outside=$'\n'"  PostgreSQL cluster     $(readlink "$PG_LINK")/ (outside the checkout: see deploy/postgres.sh --help)"
fi

cat <<TXT

Jangkau is running (profile $JANGKAU_PROFILE; demo data at $scale_label, JANGKAU_DEMO_SCALE=$scale). Look here:
  registration API docs  $JANGKAU_REGISTRATION_URL/docs
  campaigns API docs     $JANGKAU_CAMPAIGNS_URL/docs
  metrics API docs       $JANGKAU_METRICS_URL/docs$metrics_lines
  Prometheus             $JANGKAU_PROMETHEUS_URL/graph?g0.expr=max+without+(instance)+(jangkau_participants_registered)
  logs and state         $JANGKAU_STATE_DIR/$pg_outside

Next, with the demo token (export JANGKAU_TOKEN=$token):
  .venv/bin/jangkau status --branch denpasar --as-of $as_of
  .venv/bin/jangkau campaign list --branch denpasar
  .venv/bin/jangkau simulate jambi-2018
  make status    # what runs (one row per metrics instance)
  make down      # stop it all (the data stays)
  make clean     # stop it all and delete its data
TXT
