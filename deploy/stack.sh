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
  (PostgreSQL's cluster is $JANGKAU_STATE_DIR/pg, or a symlink to
  $JANGKAU_PG_RELOCATE_DIR/jangkau-<hash>/pg when the 'postgres' user cannot reach the checkout:
  see deploy/postgres.sh --help)
Download cache: $JANGKAU_CACHE (shared by all clones; 'clean' keeps it)

Commands:
  install              Install all components: Kafka jars (cache), PostgreSQL and Prometheus
                       (Debian packages, only if missing).
  up [--with-prometheus] [--with-services]
                       Install what is needed, then start PostgreSQL and Kafka (and
                       Prometheus / the services when asked). Idempotent: what already runs
                       is left alone. If it started PostgreSQL or Kafka, it writes
                       $STARTED_BY_FILE (first line: \$JANGKAU_STARTED_BY, default 'manual').
  down                 Stop, in reverse order, whatever of this profile runs (services, every
                       metrics instance, Prometheus, Kafka, PostgreSQL); removes the started-by file, and says
                       where the data stays. Profile test only: a PostgreSQL cluster outside
                       the checkout is deleted (test data is throwaway; its log is kept as
                       $JANGKAU_REPO_ROOT/.jangkau/test/postgres-last-run.log).
  status               Table of component, pid, port, state (one row per metrics instance); where the data lives; stale
                       clusters outside the checkout, of checkouts that no longer exist.
  clean [--force]      Delete every piece of state of this checkout, for both profiles: stop
                       what runs, delete $JANGKAU_REPO_ROOT/.jangkau and this checkout's
                       clusters in $JANGKAU_PG_RELOCATE_DIR, and the stale clusters that 'status' lists
                       (only directories these scripts made for you: see deploy/lib.sh).
                       Before deleting dev data it asks on the terminal; without a terminal it
                       refuses (exit 1) unless --force (make clean FORCE=1).
  env                  Print 'export' lines for the Python code and tests:
                         eval "\$(deploy/stack.sh env)"
  is-up                Exit 0 when PostgreSQL and Kafka of this profile both run, else 1.

Examples:
  deploy/stack.sh up && eval "\$(deploy/stack.sh env)"
  JANGKAU_PROFILE=test JANGKAU_KAFKA_FRESH=1 deploy/stack.sh up
  deploy/stack.sh up --with-prometheus --with-services
  JANGKAU_METRICS_INSTANCES=3 deploy/stack.sh up --with-prometheus --with-services
  deploy/stack.sh status; deploy/stack.sh down
  deploy/stack.sh clean --force          # also in CI: no question asked

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

# drop_relocated_test_cluster : the test profile's data is throwaway (every make test starts from
# an empty cluster), so a cluster it placed outside the checkout goes when the stack stops:
# nothing piles up in /var/tmp. Its log stays in the state dir for a post-mortem.
drop_relocated_test_cluster() {
  local root
  root=$(pg_root_existing)
  if [[ -n "$root" && -f "$root/postgres.log" ]]; then
    cp -f "$root/postgres.log" "$JANGKAU_STATE_DIR/postgres-last-run.log"
  fi
  component postgres reset
  log "deleted the test cluster outside the checkout ($root); its log is kept as" \
    "$JANGKAU_STATE_DIR/postgres-last-run.log"
}

# say_where_data_lives : one line on where this profile's data stays, and how to delete it.
say_where_data_lives() {
  local root
  if [[ ! -e "$JANGKAU_STATE_DIR" ]]; then
    log "no data for profile '$JANGKAU_PROFILE' ($JANGKAU_STATE_DIR does not exist)"
    return 0
  fi
  log "data of profile '$JANGKAU_PROFILE' kept in $JANGKAU_STATE_DIR ($(disk_usage "$JANGKAU_STATE_DIR"))"
  if [[ -L "$PG_LINK" ]]; then
    root=$(pg_root_existing)
    log "  and its PostgreSQL cluster outside the checkout, in ${root:-$(readlink "$PG_LINK")}" \
      "($(disk_usage "${root:-$PG_LINK}"))"
  fi
  log "  'make clean' deletes all state of this checkout"
}

# stop_components : stop, in reverse order, whatever of profile $JANGKAU_PROFILE runs.
stop_components() {
  component services stop
  component prometheus stop
  component kafka stop
  component postgres stop
}

cmd_down() {
  local t0
  t0=$(now_ms)
  stop_components
  if [[ "$JANGKAU_PROFILE" == test && -L "$PG_LINK" ]]; then
    drop_relocated_test_cluster
  fi
  rm -f "$STARTED_BY_FILE"
  log "stack '$JANGKAU_PROFILE' down in $(elapsed_s "$t0")s"
  say_where_data_lives
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
  if [[ -L "$PG_LINK" ]]; then
    echo "postgres cluster outside the checkout: $(readlink "$PG_LINK")"
  fi
  if [[ -f "$STARTED_BY_FILE" ]]; then
    echo "started by: $(head -n 1 "$STARTED_BY_FILE")"
  fi
  local base state
  while IFS=$'\t' read -r base state; do
    echo "stale postgres cluster: $base ($(disk_usage "$base")) of $state, which no longer" \
      "exists: 'make clean' deletes it"
  done < <(stale_relocated)
}

# confirm QUESTION : ask QUESTION on the terminal; 0 when answered yes, 1 when not. Returns 2 at
# once when stdin is not a terminal: never wait for an answer that cannot come.
confirm() {
  local answer=""
  [[ -t 0 ]] || return 2
  read -r -p "$1 [y/N] " answer || true
  [[ "$answer" =~ ^[Yy]([Ee][Ss])?$ ]]
}

# clean_targets : fill BASES/WHAT/DEV_DATA with this checkout's clusters outside it (linked or
# not) and the stale clusters of checkouts that no longer exist.
clean_targets() {
  local top=$1 profile base state pid known
  for profile in dev test; do
    base=$(relocated_base "$top/$profile")
    [[ -e "$base" || -L "$base" ]] || continue
    if ! relocated_owner "$base" >/dev/null; then
      warn "$base is not a directory these scripts made for you: leaving it alone"
      continue
    fi
    BASES+=("$base")
    WHAT+=("PostgreSQL cluster of profile $profile of this checkout")
    [[ "$profile" == test ]] || DEV_DATA+=("$base")
  done
  while IFS=$'\t' read -r base state; do
    for known in "${BASES[@]}"; do
      [[ "$known" != "$base" ]] || continue 2
    done
    pid=$(relocated_pid "$base")
    if [[ -n "$pid" ]]; then
      warn "$base: a PostgreSQL server (pid $pid) still runs from it although $state is gone;" \
        "leaving it alone (stop it: kill $pid; then run make clean again)"
      continue
    fi
    BASES+=("$base")
    WHAT+=("stale PostgreSQL cluster of $state, which no longer exists")
    [[ "$state" == */test ]] || DEV_DATA+=("$base")
  done < <(stale_relocated)
}

cmd_clean() {
  local force=0 arg top="$JANGKAU_REPO_ROOT/.jangkau" profile base i rc=0
  local -a BASES=() WHAT=() DEV_DATA=()
  for arg in "$@"; do
    case "$arg" in
      --force) force=1 ;;
      *) die "unknown option '$arg' for 'clean' (see deploy/stack.sh --help)" ;;
    esac
  done
  clean_targets "$top"
  if [[ -e "$top/dev" ]]; then
    DEV_DATA+=("$top/dev")
  fi
  if [[ ! -e "$top" && ${#BASES[@]} == 0 ]]; then
    log "nothing to clean: no $top, no cluster of this checkout or stale one in $JANGKAU_PG_RELOCATE_DIR"
    return 0
  fi
  log "make clean deletes:"
  if [[ -e "$top" ]]; then
    log "  $top ($(disk_usage "$top")): state, logs and data of this checkout"
  fi
  for i in "${!BASES[@]}"; do
    log "  ${BASES[i]} ($(disk_usage "${BASES[i]}")): ${WHAT[i]}"
  done
  if ((${#DEV_DATA[@]} > 0 && !force)); then
    confirm "Delete the dev data (${DEV_DATA[*]})?" || rc=$?
    case "$rc" in
      0) ;;
      2) die "refusing to delete dev data without asking, and stdin is not a terminal to ask on:"         "nothing deleted. To delete it: make clean FORCE=1 (deploy/stack.sh clean --force)" ;;
      *) die "nothing deleted (dev data kept)" ;;
    esac
  fi
  for profile in dev test; do
    if [[ -d "$top/$profile" ]]; then
      JANGKAU_PROFILE=$profile stop_components
    fi
  done
  for base in "${BASES[@]}"; do
    relocated_owner "$base" >/dev/null || die "$base changed while cleaning: left alone"
    rm -rf -- "$base"
  done
  rm -rf -- "$top"
  log "clean: deleted $top and ${#BASES[@]} cluster dir(s) outside the checkout"
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
    clean) cmd_clean "$@" ;;
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
