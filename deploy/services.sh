#!/usr/bin/env bash
# deploy/services.sh - run the Jangkau Python services in the background for one profile.
# Run `deploy/services.sh --help` for usage.
set -euo pipefail

JANGKAU_LOG_TAG=services
# shellcheck source=deploy/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

VENV_BIN="$JANGKAU_REPO_ROOT/.venv/bin"
LOCAL_ENV="$JANGKAU_DEPLOY_DIR/local.env"

usage() {
  cat <<EOF
Usage: deploy/services.sh start|stop|status [NAME...]

Runs the Python services (${JANGKAU_SERVICES[*]}; default: all) of profile '$JANGKAU_PROFILE'
in the background:

  .venv/bin/jangkau-NAME migrate                            once per start; must exit 0
  .venv/bin/jangkau-NAME serve --host 127.0.0.1 --port PORT then wait up to ${JANGKAU_SERVICE_START_TIMEOUT:-60}s
                                                            (JANGKAU_SERVICE_START_TIMEOUT) for
                                                            GET /health/ready to answer 200

  registration  127.0.0.1:$JANGKAU_REGISTRATION_PORT   (JANGKAU_REGISTRATION_PORT)
  campaigns     127.0.0.1:$JANGKAU_CAMPAIGNS_PORT   (JANGKAU_CAMPAIGNS_PORT)
  metrics       127.0.0.1:$JANGKAU_METRICS_PORT   (JANGKAU_METRICS_PORT)

Metrics runs JANGKAU_METRICS_INSTANCES processes (now $JANGKAU_METRICS_INSTANCES; default 1) in one consumer
group on one database: instance 1 is 'metrics' on JANGKAU_METRICS_PORT, instance i > 1 is
'metrics-i' on JANGKAU_METRICS_PORT+i-1. The NAME 'metrics' means all of them; 'metrics-2',
'metrics-3', ... name one. Prometheus (deploy/prometheus.sh) scrapes as many as this setting says.

Environment of the services: deploy/local.env (if present, sourced with 'set -a'), then the
output of 'deploy/stack.sh env' (database URLs, Kafka bootstrap, ...), which wins.
PostgreSQL and Kafka of the profile must run ('deploy/stack.sh up').
Logs and pidfiles: $SERVICES_DIR/NAME.{log,pid} (metrics-i.{log,pid} for instance i > 1)

Commands:
  exec CMD [ARGS...]
          run CMD with the services' environment, e.g.
          deploy/services.sh exec .venv/bin/jangkau-registration tokens list
  start   start the named services that are not running yet; for 'metrics', instances 1 to
          JANGKAU_METRICS_INSTANCES, then stop the instances above it that still run (so
          JANGKAU_METRICS_INSTANCES=1 after 3 scales down to one)
  stop    SIGTERM, wait up to 30s, then SIGKILL (reverse order); 'metrics' stops every
          instance, also those left from a larger JANGKAU_METRICS_INSTANCES
  status  one line per process; exit 0 if all named services run (for metrics: every
          instance up to JANGKAU_METRICS_INSTANCES), 3 if not
EOF
}

# service_bin UNIT : the command of the unit's service (metrics-2 runs jangkau-metrics).
service_bin() {
  printf '%s\n' "$VENV_BIN/jangkau-$(unit_service "$1")"
}

service_log() {
  printf '%s\n' "$SERVICES_DIR/$1.log"
}

# Load the services' environment into this process (exported, so children inherit it).
load_service_env() {
  local stack_env profile=$JANGKAU_PROFILE
  # Computed before local.env is read, so that file cannot move the stack's ports.
  stack_env=$(bash "$JANGKAU_DEPLOY_DIR/stack.sh" env) || die "'deploy/stack.sh env' failed"
  if [[ -f "$LOCAL_ENV" ]]; then
    set -a
    # shellcheck source=/dev/null
    source "$LOCAL_ENV"
    set +a
  fi
  eval "$stack_env"
  if [[ "$JANGKAU_PROFILE" != "$profile" ]]; then
    die "internal: profile changed from $profile to $JANGKAU_PROFILE while loading the environment"
  fi
}

# Services whose 'migrate' ran in this start: once each, before their first unit is spawned.
declare -A MIGRATED=()

# start_one UNIT : migrate its service (once), spawn the unit, wait until it is ready.
start_one() {
  local unit=$1 service bin port pidfile logfile pid t0 timeout=${JANGKAU_SERVICE_START_TIMEOUT:-60}
  service=$(unit_service "$unit")
  bin=$(service_bin "$unit")
  port=$(service_port "$unit")
  pidfile=$(service_pidfile "$unit")
  logfile=$(service_log "$unit")
  pid=$(service_running_pid "$unit")
  if [[ -n "$pid" ]]; then
    log "$unit already running (pid $pid, http://127.0.0.1:$port)"
    return 0
  fi
  ensure_port_free "$port" "service $unit"
  fresh_log "$logfile"
  t0=$(now_ms)
  if [[ -z "${MIGRATED[$service]:-}" ]]; then
    log "$service: migrate"
    if ! (cd "$JANGKAU_REPO_ROOT" && "$bin" migrate) >>"$logfile" 2>&1 </dev/null; then
      show_log_tail "$logfile" 40
      die "'jangkau-$service migrate' failed (profile $JANGKAU_PROFILE); full log: $logfile"
    fi
    MIGRATED[$service]=1
  fi
  pid=$(cd "$JANGKAU_REPO_ROOT" && spawn "$logfile" "$pidfile" \
    "$bin" serve --host 127.0.0.1 --port "$port")
  wait_for_http "http://127.0.0.1:$port/health/ready" "$timeout" "$pid" "$logfile" ||
    give_up_start "$pid" "$pidfile" "$unit did not become ready (profile $JANGKAU_PROFILE); full log: $logfile"
  log "$unit ready in $(elapsed_s "$t0")s: http://127.0.0.1:$port (pid $pid)"
}

# stop_one UNIT : stop a unit of this profile (no-op when it does not run).
stop_one() {
  stop_pid "$1 ($JANGKAU_PROFILE)" "$(service_pidfile "$1")" "$(service_marker)" environ 30
}

# units_of configured|present NAME... : the units the NAMEs stand for, one a line. A service
# stands for service_units (configured) or service_units_present (present); metrics-i for itself.
units_of() {
  local mode=$1 name
  shift
  for name in "$@"; do
    if [[ "$name" == metrics-* ]]; then
      printf '%s\n' "$name"
    elif [[ "$mode" == present ]]; then
      service_units_present "$name"
    else
      service_units "$name"
    fi
  done
}

cmd_start() {
  local name unit units=() missing=()
  mapfile -t units < <(units_of configured "$@")
  for unit in "${units[@]}"; do
    if (($(unit_instance "$unit") > JANGKAU_METRICS_INSTANCES)); then
      die "$unit is above JANGKAU_METRICS_INSTANCES=$JANGKAU_METRICS_INSTANCES, so Prometheus would" \
        "not scrape it: set JANGKAU_METRICS_INSTANCES=$(unit_instance "$unit") or more."
    fi
    [[ -x "$(service_bin "$unit")" ]] || missing+=("$(service_bin "$unit")")
  done
  if ((${#missing[@]} > 0)); then
    die "service executable(s) not found: $(printf '%s\n' "${missing[@]}" | sort -u | xargs)." \
      "Run 'make install' first (it creates .venv with the jangkau-* commands)."
  fi
  need_cmd curl "Install curl (apt-get install -y curl)."
  if ! bash "$JANGKAU_DEPLOY_DIR/stack.sh" is-up; then
    die "PostgreSQL and Kafka of profile $JANGKAU_PROFILE are not both running." \
      "Run 'deploy/stack.sh up' first (or 'deploy/stack.sh up --with-services')."
  fi
  mkdir -p "$SERVICES_DIR"
  load_service_env
  for unit in "${units[@]}"; do
    start_one "$unit"
  done
  for name in "$@"; do
    [[ "$name" == metrics ]] || continue
    # Instances left from a larger JANGKAU_METRICS_INSTANCES: Prometheus no longer scrapes them.
    while read -r unit; do
      if (($(unit_instance "$unit") > JANGKAU_METRICS_INSTANCES)); then
        log "$unit is above JANGKAU_METRICS_INSTANCES=$JANGKAU_METRICS_INSTANCES: stopping it"
        stop_one "$unit"
      fi
    done < <(service_units_present metrics)
  done
}

cmd_stop() {
  local i units=()
  mapfile -t units < <(units_of present "$@")
  for ((i = ${#units[@]} - 1; i >= 0; i--)); do
    stop_one "${units[i]}"
  done
}

cmd_status() {
  local unit pid rc=0
  while read -r unit; do
    pid=$(service_running_pid "$unit")
    if [[ -n "$pid" ]]; then
      echo "$unit ($JANGKAU_PROFILE): running, pid $pid, http://127.0.0.1:$(service_port "$unit")"
    else
      echo "$unit ($JANGKAU_PROFILE): stopped"
      if (($(unit_instance "$unit") <= JANGKAU_METRICS_INSTANCES)); then
        rc=3
      fi
    fi
  done < <(units_of present "$@")
  return "$rc"
}

# Run one command with the services' environment (used by the demo and by operators).
cmd_exec() {
  (($# > 0)) || die "usage: deploy/services.sh exec COMMAND [ARGS...]"
  load_service_env
  exec "$@"
}

main() {
  local cmd=${1:-} name
  if (($# > 0)); then
    shift
  fi
  case "$cmd" in
    -h | --help | help) usage; return 0 ;;
    exec) cmd_exec "$@" ;;
    start | stop | status) ;;
    "") usage >&2; exit 2 ;;
    *) printf 'services.sh: unknown command %q\n\n' "$cmd" >&2; usage >&2; exit 2 ;;
  esac
  if (($# == 0)); then
    set -- "${JANGKAU_SERVICES[@]}"
  fi
  for name in "$@"; do
    service_port "$name" >/dev/null # dies on an unknown name
  done
  "cmd_$cmd" "$@"
}

main "$@"
