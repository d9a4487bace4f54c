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

  .venv/bin/jangkau-NAME migrate                            once; must exit 0
  .venv/bin/jangkau-NAME serve --host 127.0.0.1 --port PORT then wait up to ${JANGKAU_SERVICE_START_TIMEOUT:-60}s
                                                            (JANGKAU_SERVICE_START_TIMEOUT) for
                                                            GET /health/ready to answer 200

  registration  127.0.0.1:$JANGKAU_REGISTRATION_PORT   (JANGKAU_REGISTRATION_PORT)
  campaigns     127.0.0.1:$JANGKAU_CAMPAIGNS_PORT   (JANGKAU_CAMPAIGNS_PORT)
  metrics       127.0.0.1:$JANGKAU_METRICS_PORT   (JANGKAU_METRICS_PORT)

Environment of the services: deploy/local.env (if present, sourced with 'set -a'), then the
output of 'deploy/stack.sh env' (database URLs, Kafka bootstrap, ...), which wins.
PostgreSQL and Kafka of the profile must run ('deploy/stack.sh up').
Logs and pidfiles: $SERVICES_DIR/NAME.{log,pid}

Commands:
  exec CMD [ARGS...]
          run CMD with the services' environment, e.g.
          deploy/services.sh exec .venv/bin/jangkau-registration tokens list
  start   start the named services that are not running yet
  stop    SIGTERM, wait up to 30s, then SIGKILL (reverse order)
  status  one line per service; exit 0 if all named services run, 3 if not
EOF
}

service_bin() {
  printf '%s\n' "$VENV_BIN/jangkau-$1"
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

start_one() {
  local name=$1 bin port pidfile logfile pid t0 timeout=${JANGKAU_SERVICE_START_TIMEOUT:-60}
  bin=$(service_bin "$name")
  port=$(service_port "$name")
  pidfile=$(service_pidfile "$name")
  logfile=$(service_log "$name")
  pid=$(service_running_pid "$name")
  if [[ -n "$pid" ]]; then
    log "$name already running (pid $pid, http://127.0.0.1:$port)"
    return 0
  fi
  ensure_port_free "$port" "service $name"
  fresh_log "$logfile"
  t0=$(now_ms)
  log "$name: migrate"
  if ! (cd "$JANGKAU_REPO_ROOT" && "$bin" migrate) >>"$logfile" 2>&1 </dev/null; then
    show_log_tail "$logfile" 40
    die "'jangkau-$name migrate' failed (profile $JANGKAU_PROFILE); full log: $logfile"
  fi
  pid=$(cd "$JANGKAU_REPO_ROOT" && spawn "$logfile" "$pidfile" \
    "$bin" serve --host 127.0.0.1 --port "$port")
  wait_for_http "http://127.0.0.1:$port/health/ready" "$timeout" "$pid" "$logfile" ||
    give_up_start "$pid" "$pidfile" "$name did not become ready (profile $JANGKAU_PROFILE); full log: $logfile"
  log "$name ready in $(elapsed_s "$t0")s: http://127.0.0.1:$port (pid $pid)"
}

cmd_start() {
  local name missing=()
  for name in "$@"; do
    [[ -x "$(service_bin "$name")" ]] || missing+=("$(service_bin "$name")")
  done
  if ((${#missing[@]} > 0)); then
    die "service executable(s) not found: ${missing[*]}. Run 'make install' first" \
      "(it creates .venv with the jangkau-* commands)."
  fi
  need_cmd curl "Install curl (apt-get install -y curl)."
  if ! bash "$JANGKAU_DEPLOY_DIR/stack.sh" is-up; then
    die "PostgreSQL and Kafka of profile $JANGKAU_PROFILE are not both running." \
      "Run 'deploy/stack.sh up' first (or 'deploy/stack.sh up --with-services')."
  fi
  mkdir -p "$SERVICES_DIR"
  load_service_env
  for name in "$@"; do
    start_one "$name"
  done
}

cmd_stop() {
  local i name
  for ((i = $# ; i >= 1; i--)); do
    name=${!i}
    stop_pid "$name ($JANGKAU_PROFILE)" "$(service_pidfile "$name")" "$(service_marker)" environ 30
  done
}

cmd_status() {
  local name pid rc=0
  for name in "$@"; do
    pid=$(service_running_pid "$name")
    if [[ -n "$pid" ]]; then
      echo "$name ($JANGKAU_PROFILE): running, pid $pid, http://127.0.0.1:$(service_port "$name")"
    else
      echo "$name ($JANGKAU_PROFILE): stopped"
      rc=3
    fi
  done
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
