#!/usr/bin/env bash
# deploy/stack.sh - the whole local Jangkau stack (PostgreSQL, Kafka, optionally Prometheus
# and the Python services) for one profile. Run `deploy/stack.sh --help` for usage.
set -euo pipefail

JANGKAU_LOG_TAG=stack
# shellcheck source=deploy/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

STARTED_BY_FILE="$JANGKAU_STATE_DIR/started-by"

usage() {
  cat <<EOF
Usage: deploy/stack.sh COMMAND [OPTIONS]

Native local stack (no Docker) for profile '$JANGKAU_PROFILE' (JANGKAU_PROFILE=dev|test):
PostgreSQL 127.0.0.1:$JANGKAU_PG_PORT, Kafka 127.0.0.1:$JANGKAU_KAFKA_PORT, Prometheus 127.0.0.1:$JANGKAU_PROMETHEUS_PORT,
services registration/campaigns/metrics on $JANGKAU_REGISTRATION_PORT/$JANGKAU_CAMPAIGNS_PORT/$JANGKAU_METRICS_PORT; JANGKAU_METRICS_INSTANCES=N
(now $JANGKAU_METRICS_INSTANCES) runs N metrics processes on $JANGKAU_METRICS_PORT..$((JANGKAU_METRICS_PORT + JANGKAU_METRICS_INSTANCES - 1)), all scraped by Prometheus.
State (data, logs, pidfiles): $JANGKAU_STATE_DIR
Download cache: $JANGKAU_CACHE

Commands:
  install              Install all components: Kafka jars (cache), PostgreSQL and Prometheus
                       (Debian packages, only if missing).
  up [--with-prometheus] [--with-services]
                       Install what is needed, then start PostgreSQL and Kafka (and
                       Prometheus / the services when asked). Idempotent: what already runs
                       is left alone. If it started PostgreSQL or Kafka, it writes
                       $STARTED_BY_FILE (first line: \$JANGKAU_STARTED_BY, default 'manual').
  down                 Stop, in reverse order, whatever of this profile runs (services, every
                       metrics instance, Prometheus, Kafka, PostgreSQL); removes the started-by
                       file. Data stays.
  status               Table of component, pid, port, state (one row per metrics instance).
  env                  Print 'export' lines for the Python code and tests:
                         eval "\$(deploy/stack.sh env)"
  is-up                Exit 0 when PostgreSQL and Kafka of this profile both run, else 1.

Examples:
  deploy/stack.sh up && eval "\$(deploy/stack.sh env)"
  JANGKAU_PROFILE=test JANGKAU_KAFKA_FRESH=1 deploy/stack.sh up
  deploy/stack.sh up --with-prometheus --with-services
  JANGKAU_METRICS_INSTANCES=3 deploy/stack.sh up --with-prometheus --with-services
  deploy/stack.sh status; deploy/stack.sh down

  # make test: start the stack only if it is not up, and stop only what you started
  if ! JANGKAU_PROFILE=test deploy/stack.sh is-up; then
    JANGKAU_PROFILE=test JANGKAU_KAFKA_FRESH=1 JANGKAU_STARTED_BY=make-test deploy/stack.sh up
    started=1
  fi

Per component: deploy/{postgres,kafka,prometheus,services}.sh --help
Ports: JANGKAU_PG_PORT, JANGKAU_KAFKA_PORT, JANGKAU_KAFKA_CONTROLLER_PORT,
JANGKAU_PROMETHEUS_PORT, JANGKAU_{REGISTRATION,CAMPAIGNS,METRICS}_PORT override the profile.
EOF
}

component() {
  bash "$JANGKAU_DEPLOY_DIR/$1.sh" "${@:2}"
}

# urlencode STRING : percent-encode everything but unreserved characters (RFC 3986).
urlencode() {
  local LC_ALL=C s=$1 out="" c i
  for ((i = 0; i < ${#s}; i++)); do
    c=${s:i:1}
    case "$c" in
      [A-Za-z0-9._~-]) out+=$c ;;
      *) out+=$(printf '%%%02X' "'$c") ;;
    esac
  done
  printf '%s\n' "$out"
}

kafka_pid() {
  running_pid "$KAFKA_PIDFILE"
}

pg_pid() {
  local root
  root=$(pg_root_existing)
  [[ -n "$root" ]] || return 0
  running_pid "$root/data/postmaster.pid" "$root/data" cmdline
}

prometheus_pid() {
  running_pid "$PROM_PIDFILE"
}

stack_is_up() {
  local kpid ppid
  kpid=$(kafka_pid)
  ppid=$(pg_pid)
  [[ -n "$kpid" && -n "$ppid" ]] || return 1
  port_open 127.0.0.1 "$JANGKAU_KAFKA_PORT" && port_open 127.0.0.1 "$JANGKAU_PG_PORT"
}

cmd_install() {
  component kafka install
  component postgres install
  component prometheus install
}

cmd_up() {
  local with_prometheus=0 with_services=0 arg t0 was_up=0
  for arg in "$@"; do
    case "$arg" in
      --with-prometheus) with_prometheus=1 ;;
      --with-services) with_services=1 ;;
      *) die "unknown option '$arg' for 'up' (see deploy/stack.sh --help)" ;;
    esac
  done
  t0=$(now_ms)
  if stack_is_up; then
    was_up=1
  fi
  component kafka install
  component postgres install
  if ((with_prometheus)); then
    component prometheus install
  fi
  component postgres start
  component kafka start
  if ((!was_up)); then
    mkdir -p "$JANGKAU_STATE_DIR"
    {
      printf '%s\n' "${JANGKAU_STARTED_BY:-manual}"
      printf 'at=%s pid=%s user=%s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$PPID" "$(id -un)"
    } >"$STARTED_BY_FILE"
  fi
  if ((with_prometheus)); then
    component prometheus start
  fi
  if ((with_services)); then
    component services start
  fi
  log "stack '$JANGKAU_PROFILE' up in $(elapsed_s "$t0")s"
}

cmd_down() {
  local t0
  t0=$(now_ms)
  component services stop
  component prometheus stop
  component kafka stop
  component postgres stop
  rm -f "$STARTED_BY_FILE"
  log "stack '$JANGKAU_PROFILE' down in $(elapsed_s "$t0")s"
}

cmd_status() {
  local fmt='%-14s %-8s %-6s %s\n' pid name unit
  # shellcheck disable=SC2059 # the format is a constant
  printf "$fmt" COMPONENT PID PORT STATE
  row() {
    local comp=$1 pid=$2 port=$3 state=stopped
    if [[ -n "$pid" ]]; then
      state=running
      port_open 127.0.0.1 "$port" || state="running (port $port not open)"
    fi
    # shellcheck disable=SC2059
    printf "$fmt" "$comp" "${pid:--}" "$port" "$state"
  }
  row postgres "$(pg_pid)" "$JANGKAU_PG_PORT"
  row kafka "$(kafka_pid)" "$JANGKAU_KAFKA_PORT"
  row prometheus "$(prometheus_pid)" "$JANGKAU_PROMETHEUS_PORT"
  for name in "${JANGKAU_SERVICES[@]}"; do
    while read -r unit; do
      pid=$(service_running_pid "$unit")
      row "$unit" "$pid" "$(service_port "$unit")"
    done < <(service_units_present "$name")
  done
  echo "profile $JANGKAU_PROFILE, state $JANGKAU_STATE_DIR"
  if [[ -f "$STARTED_BY_FILE" ]]; then
    echo "started by: $(head -n 1 "$STARTED_BY_FILE")"
  fi
}

cmd_env() {
  local pw_url pg kafka name upper
  pw_url=$(urlencode "$JANGKAU_PG_PASSWORD")
  pg="127.0.0.1:$JANGKAU_PG_PORT"
  kafka="127.0.0.1:$JANGKAU_KAFKA_PORT"
  emit() { printf 'export %s=%q\n' "$1" "$2"; }
  emit JANGKAU_PROFILE "$JANGKAU_PROFILE"
  emit JANGKAU_ENV_PROFILE "$JANGKAU_PROFILE"
  emit JANGKAU_STATE_DIR "$JANGKAU_STATE_DIR"
  emit JANGKAU_KAFKA_BOOTSTRAP "$kafka"
  emit JANGKAU_PG_HOST 127.0.0.1
  emit JANGKAU_PG_PORT "$JANGKAU_PG_PORT"
  emit JANGKAU_PG_USER "$JANGKAU_PG_USER"
  emit JANGKAU_PG_PASSWORD "$JANGKAU_PG_PASSWORD"
  emit JANGKAU_PG_ADMIN_URL "postgresql+asyncpg://$JANGKAU_PG_USER:$pw_url@$pg/postgres"
  emit JANGKAU_PROMETHEUS_URL "http://127.0.0.1:$JANGKAU_PROMETHEUS_PORT"
  for name in "${JANGKAU_SERVICES[@]}"; do
    upper=${name^^}
    emit "JANGKAU_${upper}_URL" "http://127.0.0.1:$(service_port "$name")"
  done
  for name in "${JANGKAU_SERVICES[@]}"; do
    upper=${name^^}
    emit "JANGKAU_${upper}_DATABASE_URL" "postgresql+asyncpg://$JANGKAU_PG_USER:$pw_url@$pg/$name"
    emit "JANGKAU_${upper}_KAFKA_BOOTSTRAP_SERVERS" "$kafka"
  done
}

main() {
  local cmd=${1:-}
  if (($# > 0)); then
    shift
  fi
  case "$cmd" in
    install | down | status | env | is-up)
      (($# == 0)) || die "'$cmd' takes no arguments (see deploy/stack.sh --help)"
      ;;
  esac
  case "$cmd" in
    install) cmd_install ;;
    up) cmd_up "$@" ;;
    down) cmd_down ;;
    status) cmd_status ;;
    env) cmd_env ;;
    is-up) stack_is_up ;;
    -h | --help | help) usage ;;
    "") usage >&2; exit 2 ;;
    *) printf 'stack.sh: unknown command %q\n\n' "$cmd" >&2; usage >&2; exit 2 ;;
  esac
}

main "$@"
