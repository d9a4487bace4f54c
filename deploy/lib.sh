# shellcheck shell=bash
# shellcheck disable=SC2034 # the variables below are used by the scripts that source this file
# deploy/lib.sh - shared settings and helpers for the local Jangkau stack scripts.
#
# Sourced (never executed) by deploy/{kafka,postgres,prometheus,services,stack}.sh.
# It computes, from the environment and the location of this file:
#
#   JANGKAU_REPO_ROOT   the repository root (parent of deploy/)
#   JANGKAU_PROFILE     dev (default) or test
#   JANGKAU_STATE_DIR   <repo>/.jangkau/<profile>: data, logs and pidfiles of that profile
#   JANGKAU_CACHE       downloads kept across clones:
#                       ${JANGKAU_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/jangkau}
#   JANGKAU_PG_RELOCATE_DIR  where a PostgreSQL cluster goes when the 'postgres' user cannot
#                       reach the state dir: $JANGKAU_PG_RELOCATE_DIR/jangkau-<hash>/pg
#                       (default /var/tmp; see "PostgreSQL clusters outside the checkout")
#   ports               JANGKAU_KAFKA_PORT, JANGKAU_KAFKA_CONTROLLER_PORT, JANGKAU_PG_PORT,
#                       JANGKAU_PROMETHEUS_PORT, JANGKAU_{REGISTRATION,CAMPAIGNS,METRICS}_PORT
#   JANGKAU_METRICS_INSTANCES
#                       how many metrics processes to run (default 1): instance i listens on
#                       JANGKAU_METRICS_PORT+i-1; all share one consumer group and database
#
#                 dev     test
#   kafka         19092   29092
#   controller    19093   29093
#   postgres      55432   55433
#   prometheus    19090   29090
#   registration  8101    28101
#   campaigns     8102    28102
#   metrics       8103    28103
#
# Any port variable set in the environment wins over the profile default. The variables that
# `stack.sh env` exports carry JANGKAU_ENV_PROFILE; if that differs from JANGKAU_PROFILE
# (say `eval "$(deploy/stack.sh env)"` for dev, then `JANGKAU_PROFILE=test ...`), the inherited
# port variables are ignored so the two profiles never end up on the same ports.

if [[ -n "${JANGKAU_LIB_LOADED:-}" ]]; then
  return 0
fi
JANGKAU_LIB_LOADED=1

# ---------------------------------------------------------------------------------------------
# Messages

# log MSG... : progress message on stderr, prefixed with the calling script's name.
log() {
  printf '[%s] %s\n' "${JANGKAU_LOG_TAG:-jangkau}" "$*" >&2
}

warn() {
  printf '[%s] WARNING: %s\n' "${JANGKAU_LOG_TAG:-jangkau}" "$*" >&2
}

# die MSG... : print an error and exit 1.
die() {
  printf '[%s] ERROR: %s\n' "${JANGKAU_LOG_TAG:-jangkau}" "$*" >&2
  exit 1
}

# need_cmd CMD [HINT] : die unless CMD is on PATH.
need_cmd() {
  local cmd=$1 hint=${2:-}
  if ! command -v "$cmd" >/dev/null 2>&1; then
    die "'$cmd' is not installed or not on PATH.${hint:+ $hint}"
  fi
}

# now_ms : milliseconds since the epoch (for timings).
now_ms() {
  local ns
  ns=$(date +%s%N)
  printf '%s\n' "$((ns / 1000000))"
}

# elapsed_s START_MS : seconds since START_MS with one decimal, e.g. "12.3".
elapsed_s() {
  local ms=$(($(now_ms) - $1))
  printf '%d.%d\n' "$((ms / 1000))" "$(((ms % 1000) / 100))"
}

# ---------------------------------------------------------------------------------------------
# Repository, profile, directories, ports

JANGKAU_DEPLOY_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
JANGKAU_REPO_ROOT="$(cd "$JANGKAU_DEPLOY_DIR/.." && pwd -P)"
JANGKAU_PROFILE="${JANGKAU_PROFILE:-dev}"

case "$JANGKAU_PROFILE" in
  dev)
    _jk_def_kafka=19092 _jk_def_ctrl=19093 _jk_def_pg=55432 _jk_def_prom=19090
    _jk_def_reg=8101 _jk_def_camp=8102 _jk_def_met=8103
    ;;
  test)
    _jk_def_kafka=29092 _jk_def_ctrl=29093 _jk_def_pg=55433 _jk_def_prom=29090
    _jk_def_reg=28101 _jk_def_camp=28102 _jk_def_met=28103
    ;;
  *)
    die "unknown JANGKAU_PROFILE '$JANGKAU_PROFILE' (expected 'dev' or 'test')"
    ;;
esac

if [[ -n "${JANGKAU_ENV_PROFILE:-}" && "$JANGKAU_ENV_PROFILE" != "$JANGKAU_PROFILE" ]]; then
  warn "ignoring port/URL variables exported by 'stack.sh env' for profile" \
    "'$JANGKAU_ENV_PROFILE' (this run uses profile '$JANGKAU_PROFILE')"
  unset JANGKAU_KAFKA_PORT JANGKAU_KAFKA_CONTROLLER_PORT JANGKAU_PG_PORT \
    JANGKAU_PROMETHEUS_PORT JANGKAU_REGISTRATION_PORT JANGKAU_CAMPAIGNS_PORT \
    JANGKAU_METRICS_PORT JANGKAU_STATE_DIR JANGKAU_ENV_PROFILE
fi

JANGKAU_STATE_DIR="$JANGKAU_REPO_ROOT/.jangkau/$JANGKAU_PROFILE"

if [[ -z "${JANGKAU_CACHE:-}" ]]; then
  if [[ -n "${XDG_CACHE_HOME:-}" ]]; then
    JANGKAU_CACHE="$XDG_CACHE_HOME/jangkau"
  elif [[ -n "${HOME:-}" ]]; then
    JANGKAU_CACHE="$HOME/.cache/jangkau"
  else
    die "cannot place the download cache: HOME is not set (set JANGKAU_CACHE to a directory)"
  fi
fi

JANGKAU_KAFKA_PORT="${JANGKAU_KAFKA_PORT:-$_jk_def_kafka}"
JANGKAU_KAFKA_CONTROLLER_PORT="${JANGKAU_KAFKA_CONTROLLER_PORT:-$_jk_def_ctrl}"
JANGKAU_PG_PORT="${JANGKAU_PG_PORT:-$_jk_def_pg}"
JANGKAU_PROMETHEUS_PORT="${JANGKAU_PROMETHEUS_PORT:-$_jk_def_prom}"
JANGKAU_REGISTRATION_PORT="${JANGKAU_REGISTRATION_PORT:-$_jk_def_reg}"
JANGKAU_CAMPAIGNS_PORT="${JANGKAU_CAMPAIGNS_PORT:-$_jk_def_camp}"
JANGKAU_METRICS_PORT="${JANGKAU_METRICS_PORT:-$_jk_def_met}"
unset _jk_def_kafka _jk_def_ctrl _jk_def_pg _jk_def_prom _jk_def_reg _jk_def_camp _jk_def_met

for _jk_var in JANGKAU_KAFKA_PORT JANGKAU_KAFKA_CONTROLLER_PORT JANGKAU_PG_PORT \
  JANGKAU_PROMETHEUS_PORT JANGKAU_REGISTRATION_PORT JANGKAU_CAMPAIGNS_PORT JANGKAU_METRICS_PORT; do
  if ! [[ "${!_jk_var}" =~ ^[0-9]+$ ]] || ((${!_jk_var} < 1 || ${!_jk_var} > 65535)); then
    die "$_jk_var='${!_jk_var}' is not a TCP port number"
  fi
done
unset _jk_var

JANGKAU_METRICS_INSTANCES="${JANGKAU_METRICS_INSTANCES:-1}"
# A cap that catches typos (JANGKAU_METRICS_INSTANCES=30 for 3), not a limit of the design.
JANGKAU_METRICS_INSTANCES_MAX=16
if ! [[ "$JANGKAU_METRICS_INSTANCES" =~ ^[1-9][0-9]*$ ]] ||
  ((JANGKAU_METRICS_INSTANCES > JANGKAU_METRICS_INSTANCES_MAX)); then
  die "JANGKAU_METRICS_INSTANCES='$JANGKAU_METRICS_INSTANCES' is not a number of metrics" \
    "instances from 1 to $JANGKAU_METRICS_INSTANCES_MAX"
fi
if ((JANGKAU_METRICS_PORT + JANGKAU_METRICS_INSTANCES - 1 > 65535)); then
  die "JANGKAU_METRICS_PORT=$JANGKAU_METRICS_PORT leaves no room for" \
    "$JANGKAU_METRICS_INSTANCES metrics instances (instance i listens on JANGKAU_METRICS_PORT+i-1)"
fi

# Local demo setting, NOT a secret: the password of the local PostgreSQL superuser 'jangkau'
# for the dev and test profiles. The cluster only listens on 127.0.0.1. Override with
# JANGKAU_PG_PASSWORD; postgres.sh start re-applies it to the role on every start.
JANGKAU_PG_USER=jangkau
JANGKAU_PG_PASSWORD="${JANGKAU_PG_PASSWORD:-jangkau-local}"

JANGKAU_SERVICES=(registration campaigns metrics)
JANGKAU_DATABASES=(registration campaigns metrics)

# Kafka distribution pinned here and in deploy/kafka/pom.xml.
JANGKAU_KAFKA_VERSION=4.1.1
JANGKAU_KAFKA_HOME="$JANGKAU_CACHE/kafka-$JANGKAU_KAFKA_VERSION"
JANGKAU_KAFKA_LIBS="$JANGKAU_KAFKA_HOME/libs"
JANGKAU_KAFKA_MARKER="$JANGKAU_KAFKA_HOME/.complete"

# Per-component paths under the state dir.
KAFKA_DIR="$JANGKAU_STATE_DIR/kafka"
KAFKA_DATA="$KAFKA_DIR/data"
KAFKA_PROPS="$KAFKA_DIR/server.properties"
KAFKA_LOG="$KAFKA_DIR/kafka.log"
KAFKA_PIDFILE="$KAFKA_DIR/kafka.pid"
KAFKA_CLUSTER_ID_FILE="$KAFKA_DIR/cluster.id"

# $STATE/pg is a directory, or a symlink to $JANGKAU_PG_RELOCATE_DIR/jangkau-<hash>/pg when the
# postgres system user cannot reach the state dir (see below and postgres.sh). Inside: data/
# (PGDATA), postgres.log, the socket.
PG_LINK="$JANGKAU_STATE_DIR/pg"
JANGKAU_PG_RELOCATE_DIR="${JANGKAU_PG_RELOCATE_DIR:-/var/tmp}"

PROM_DIR="$JANGKAU_STATE_DIR/prometheus"
PROM_DATA="$PROM_DIR/data"
PROM_CONFIG_RUNTIME="$PROM_DIR/prometheus.yml"
PROM_LOG="$PROM_DIR/prometheus.log"
PROM_PIDFILE="$PROM_DIR/prometheus.pid"

SERVICES_DIR="$JANGKAU_STATE_DIR/services"

export JANGKAU_PROFILE JANGKAU_STATE_DIR JANGKAU_CACHE

# Units: one unit is one process of a Python service. registration and campaigns are one unit
# each, named like the service. The metrics service runs JANGKAU_METRICS_INSTANCES units:
# instance 1 is "metrics" (port JANGKAU_METRICS_PORT, metrics.pid, metrics.log), instance i > 1
# is "metrics-i" (port JANGKAU_METRICS_PORT+i-1, metrics-i.pid, metrics-i.log).

# metrics_unit I : the unit name of metrics instance I.
metrics_unit() {
  if (($1 == 1)); then
    printf 'metrics\n'
  else
    printf 'metrics-%s\n' "$1"
  fi
}

# unit_service UNIT : the service a unit belongs to (metrics-2 -> metrics).
unit_service() {
  printf '%s\n' "${1%%-*}"
}

# unit_instance UNIT : the instance number of a unit (1 for registration, campaigns, metrics).
unit_instance() {
  if [[ "$1" == *-* ]]; then
    printf '%s\n' "${1##*-}"
  else
    printf '1\n'
  fi
}

# service_port UNIT : the port of a unit (a service, or metrics-I) in this profile.
service_port() {
  case "$1" in
    registration) printf '%s\n' "$JANGKAU_REGISTRATION_PORT" ;;
    campaigns) printf '%s\n' "$JANGKAU_CAMPAIGNS_PORT" ;;
    metrics) printf '%s\n' "$JANGKAU_METRICS_PORT" ;;
    metrics-*)
      local i=${1#metrics-}
      if ! [[ "$i" =~ ^([2-9]|[1-9][0-9]+)$ ]] || ((JANGKAU_METRICS_PORT + i - 1 > 65535)); then
        die "unknown service '$1' (metrics instances are metrics, metrics-2, metrics-3, ...)"
      fi
      printf '%s\n' "$((JANGKAU_METRICS_PORT + i - 1))"
      ;;
    *) die "unknown service '$1' (expected one of: ${JANGKAU_SERVICES[*]}, or metrics-I)" ;;
  esac
}

# service_units NAME : the units a service runs with this configuration, one a line
# (metrics: metrics, metrics-2, ... up to JANGKAU_METRICS_INSTANCES).
service_units() {
  local i
  if [[ "$1" == metrics ]]; then
    for ((i = 1; i <= JANGKAU_METRICS_INSTANCES; i++)); do
      metrics_unit "$i"
    done
  else
    printf '%s\n' "$1"
  fi
}

# service_units_present NAME : service_units NAME, plus the metrics instances above
# JANGKAU_METRICS_INSTANCES that left a pidfile (started with a larger N), in instance order.
service_units_present() {
  local pidfile i extra=()
  service_units "$1"
  [[ "$1" == metrics ]] || return 0
  for pidfile in "$SERVICES_DIR"/metrics-*.pid; do
    [[ -e "$pidfile" ]] || continue
    i=${pidfile##*/metrics-}
    i=${i%.pid}
    if [[ "$i" =~ ^[1-9][0-9]*$ ]] && ((i > JANGKAU_METRICS_INSTANCES)); then
      extra+=("$i")
    fi
  done
  if ((${#extra[@]} > 0)); then
    printf '%s\n' "${extra[@]}" | sort -n | while read -r i; do metrics_unit "$i"; done
  fi
}

# service_pidfile UNIT : the pidfile of a unit of this profile.
service_pidfile() {
  printf '%s\n' "$SERVICES_DIR/$1.pid"
}

# service_marker : a service is "ours" when its environment carries this profile's state dir.
service_marker() {
  printf '\nJANGKAU_STATE_DIR=%s\n' "$JANGKAU_STATE_DIR"
}

# service_running_pid UNIT : the pid of a unit of this profile, if it runs.
service_running_pid() {
  running_pid "$(service_pidfile "$1")" "$(service_marker)" environ
}

# pg_root_existing : the PostgreSQL cluster dir of this profile ($PG_LINK, or the target of
# that symlink) if it was set up, else nothing. PGDATA is <root>/data.
pg_root_existing() {
  if [[ -L "$PG_LINK" ]]; then
    readlink -f "$PG_LINK" || true
  elif [[ -d "$PG_LINK" ]]; then
    printf '%s\n' "$PG_LINK"
  fi
}

# ---------------------------------------------------------------------------------------------
# PostgreSQL clusters outside the checkout
#
# When the OS user that runs PostgreSQL cannot reach the state dir (a clone under /root or in a
# `mktemp -d` folder, as root), or the socket path would be too long, postgres.sh places the
# cluster in $JANGKAU_PG_RELOCATE_DIR/jangkau-<12 hex of sha256(state dir)>/pg and links
# $STATE/pg to it. Such a directory ("base") holds 'pg' and 'state-dir', a file naming the state
# dir it belongs to: that file, the hash in the name and the owner are how the scripts tell a
# directory they created. Who removes it: postgres.sh reset; stack.sh down for profile test;
# stack.sh clean (`make clean`), also for stale ones whose state dir no longer exists.

# relocated_base STATE_DIR : the base directory of a relocated cluster of STATE_DIR.
relocated_base() {
  local hash
  hash=$(printf '%s' "$1" | sha256sum | cut -c1-12)
  printf '%s/jangkau-%s\n' "$JANGKAU_PG_RELOCATE_DIR" "$hash"
}

# relocated_owner BASE : print the state dir BASE belongs to, if these scripts created BASE for
# this user: a real directory (not a symlink) owned by this user, with a 'state-dir' file naming
# a state dir (.../.jangkau/dev or test) whose hash is BASE's name, and nothing but 'state-dir'
# and 'pg' in it. Else print nothing and return 1: such a directory is never deleted.
relocated_owner() {
  local base=$1 state=""
  [[ -d "$base" && ! -L "$base" && -O "$base" ]] || return 1
  [[ -f "$base/state-dir" && ! -L "$base/state-dir" ]] || return 1
  read -r state <"$base/state-dir" || true
  [[ "$state" =~ ^/.+/\.jangkau/(dev|test)$ ]] || return 1
  [[ "$(relocated_base "$state")" == "$base" ]] || return 1
  [[ ! -e "$base/pg" || (-d "$base/pg" && ! -L "$base/pg") ]] || return 1
  [[ -z "$(find "$base" -mindepth 1 -maxdepth 1 ! -name state-dir ! -name pg -print -quit)" ]] ||
    return 1
  printf '%s\n' "$state"
}

# relocated_pid BASE : the pid of a PostgreSQL server running from BASE/pg/data, if any.
relocated_pid() {
  local data
  data="$(readlink -f "$1")/pg/data"
  running_pid "$data/postmaster.pid" "$data" cmdline
}

# path_gone PATH : 0 when PATH certainly does not exist: it is missing and its nearest existing
# parent can be searched by this user (else a missing PATH may just be out of sight).
path_gone() {
  local dir=$1
  [[ ! -e "$dir" && ! -L "$dir" ]] || return 1
  while [[ ! -e "$dir" && "$dir" == /* && "$dir" != / ]]; do
    dir=$(dirname "$dir")
  done
  [[ -d "$dir" && -x "$dir" ]]
}

# stale_relocated : one line "BASE<TAB>STATE_DIR" per relocated cluster of this user whose state
# dir no longer exists (its checkout, or its .jangkau/, was deleted).
stale_relocated() {
  local base state
  for base in "$JANGKAU_PG_RELOCATE_DIR"/jangkau-*; do
    state=$(relocated_owner "$base") || continue
    path_gone "$state" || continue
    printf '%s\t%s\n' "$base" "$state"
  done
}

# disk_usage PATH : its size on disk, human readable (e.g. 42M), or '?'.
disk_usage() {
  local size
  size=$(du -sh -- "$1" 2>/dev/null | cut -f1) || true
  printf '%s\n' "${size:-?}"
}

# ---------------------------------------------------------------------------------------------
# Processes and pidfiles

# read_pid PIDFILE : print the pid stored in PIDFILE (first line), or nothing.
read_pid() {
  local pidfile=$1 pid=""
  if [[ -r "$pidfile" ]]; then
    read -r pid <"$pidfile" || true
  fi
  if [[ "$pid" =~ ^[0-9]+$ ]]; then
    printf '%s\n' "$pid"
  fi
}

# proc_has PID MARKER [cmdline|environ] : does /proc/PID/{cmdline,environ} contain MARKER?
# This is how we tell "the process we started" from an unrelated process that got the same pid.
proc_has() {
  local pid=$1 marker=$2 where=${3:-cmdline} content
  [[ -r "/proc/$pid/$where" ]] || return 1
  content=$(tr '\0' '\n' <"/proc/$pid/$where" 2>/dev/null) || return 1
  # Surrounded by newlines, so a marker "\nNAME=VALUE\n" matches one whole entry.
  content=$'\n'"$content"$'\n'
  [[ "$content" == *"$marker"* ]]
}

# pid_alive PID : the process exists and is not a zombie.
pid_alive() {
  local pid=$1 state=""
  kill -0 "$pid" 2>/dev/null || return 1
  if [[ -r "/proc/$pid/stat" ]]; then
    # Field 3 of /proc/PID/stat is the state; the command name (field 2) may contain spaces,
    # so strip up to the closing parenthesis first.
    state=$(sed -e 's/^.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f1) || true
    [[ "$state" != Z ]] || return 1
  fi
  return 0
}

# is_running PIDFILE [MARKER] [cmdline|environ] : 0 when the pid in PIDFILE is alive AND its
# command line (or environment) contains MARKER (default: this profile's state dir).
is_running() {
  local pidfile=$1 marker=${2:-$JANGKAU_STATE_DIR} where=${3:-cmdline} pid
  pid=$(read_pid "$pidfile")
  [[ -n "$pid" ]] || return 1
  pid_alive "$pid" || return 1
  proc_has "$pid" "$marker" "$where"
}

# running_pid PIDFILE [MARKER] [cmdline|environ] : print the pid if is_running, else nothing.
running_pid() {
  if is_running "$@"; then
    read_pid "$1"
  fi
}

# spawn LOGFILE PIDFILE CMD [ARGS...] : start CMD in the background, detached from this
# terminal and session (setsid + nohup), stdin from /dev/null, stdout+stderr appended to
# LOGFILE, and its pid written to PIDFILE. Prints the pid.
spawn() {
  local logfile=$1 pidfile=$2 i pid=""
  shift 2
  rm -f "$pidfile"
  # The inner bash writes its own pid, then exec's CMD, which keeps that pid.
  # shellcheck disable=SC2016 # expanded by the inner bash
  setsid -f nohup bash -c 'printf "%s\n" "$$" >"$0.tmp" && mv -f "$0.tmp" "$0" && exec "$@"' \
    "$pidfile" "$@" >>"$logfile" 2>&1 </dev/null
  for ((i = 0; i < 100; i++)); do
    pid=$(read_pid "$pidfile")
    [[ -z "$pid" ]] || break
    sleep 0.05
  done
  [[ -n "$pid" ]] || die "could not start $1: no pid written to $pidfile (see $logfile)"
  printf '%s\n' "$pid"
}

# fresh_log LOGFILE : keep the previous LOGFILE as LOGFILE.1 and start an empty one.
fresh_log() {
  if [[ -f "$1" ]]; then
    mv -f "$1" "$1.1"
  fi
  : >"$1"
}

# show_log_tail LOGFILE [LINES] : print the last lines (default 40) of LOGFILE on stderr.
show_log_tail() {
  local logfile=$1 lines=${2:-40}
  if [[ -r "$logfile" ]]; then
    printf -- '----- last %s lines of %s -----\n' "$lines" "$logfile" >&2
    tail -n "$lines" "$logfile" >&2 || true
    printf -- '----- end of %s -----\n' "$logfile" >&2
  else
    printf -- '(no log file at %s)\n' "$logfile" >&2
  fi
}

# port_open HOST PORT : something accepts TCP connections on HOST:PORT.
port_open() {
  # shellcheck disable=SC2016 # expanded by the inner bash
  timeout 2 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$1" "$2" 2>/dev/null
}

# ensure_port_free PORT WHAT : die with a clear message if 127.0.0.1:PORT is taken.
ensure_port_free() {
  local port=$1 what=$2
  if port_open 127.0.0.1 "$port"; then
    die "port $port (for $what, profile $JANGKAU_PROFILE) is already in use by another process." \
      "Stop it, or choose another port with the matching JANGKAU_*_PORT variable."
  fi
}

# wait_for_port HOST PORT TIMEOUT PID LOGFILE : wait until HOST:PORT accepts connections.
# Fails (return 1) as soon as PID dies, or after TIMEOUT seconds, printing the log tail.
wait_for_port() {
  local host=$1 port=$2 timeout=$3 pid=$4 logfile=$5 deadline
  deadline=$((SECONDS + timeout))
  while :; do
    if ! pid_alive "$pid"; then
      warn "process $pid exited before $host:$port accepted connections"
      show_log_tail "$logfile" 40
      return 1
    fi
    if port_open "$host" "$port"; then
      return 0
    fi
    if ((SECONDS >= deadline)); then
      warn "$host:$port did not accept connections within ${timeout}s (pid $pid still running)"
      show_log_tail "$logfile" 40
      return 1
    fi
    sleep 0.25
  done
}

# wait_for_http URL TIMEOUT PID LOGFILE : wait until GET URL answers 200.
# Fails early when PID dies, or after TIMEOUT seconds, printing the log tail.
wait_for_http() {
  local url=$1 timeout=$2 pid=$3 logfile=$4 deadline code
  deadline=$((SECONDS + timeout))
  while :; do
    if ! pid_alive "$pid"; then
      warn "process $pid exited before $url answered 200"
      show_log_tail "$logfile" 40
      return 1
    fi
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$url" 2>/dev/null) || true
    if [[ "$code" == 200 ]]; then
      return 0
    fi
    if ((SECONDS >= deadline)); then
      warn "$url did not answer 200 within ${timeout}s (last status: ${code:-none})"
      show_log_tail "$logfile" 40
      return 1
    fi
    sleep 0.25
  done
}

# give_up_start PID PIDFILE MSG... : a start that did not become ready: SIGKILL PID if it
# still runs, remove PIDFILE, and die with MSG.
give_up_start() {
  local pid=$1 pidfile=$2
  shift 2
  if pid_alive "$pid"; then
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
  die "$@"
}

# stop_pid NAME PIDFILE MARKER WHERE TIMEOUT : SIGTERM, wait up to TIMEOUT seconds, then
# SIGKILL. Removes PIDFILE. Returns 0 also when nothing was running.
stop_pid() {
  local name=$1 pidfile=$2 marker=$3 where=$4 timeout=$5 pid deadline t0
  pid=$(running_pid "$pidfile" "$marker" "$where")
  if [[ -z "$pid" ]]; then
    if [[ -e "$pidfile" ]]; then
      log "$name is not running (removing stale pidfile $pidfile)"
      rm -f "$pidfile"
    else
      log "$name is not running"
    fi
    return 0
  fi
  t0=$(now_ms)
  log "stopping $name (pid $pid, SIGTERM, up to ${timeout}s)"
  kill -TERM "$pid" 2>/dev/null || true
  deadline=$((SECONDS + timeout))
  while pid_alive "$pid" && ((SECONDS < deadline)); do
    sleep 0.2
  done
  if pid_alive "$pid"; then
    warn "$name (pid $pid) still running after ${timeout}s: sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    deadline=$((SECONDS + 10))
    while pid_alive "$pid" && ((SECONDS < deadline)); do
      sleep 0.2
    done
    pid_alive "$pid" && die "$name (pid $pid) survived SIGKILL"
  fi
  rm -f "$pidfile"
  log "$name stopped in $(elapsed_s "$t0")s"
}

# as_root CMD... : run CMD as root (directly when root, else through sudo), or die.
as_root() {
  if ((EUID == 0)); then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    die "need root to run '$*' (not root and sudo is not installed)"
  fi
}

# apt_install PKG... : apt-get update && apt-get install -y PKG... (as root / via sudo).
apt_install() {
  command -v apt-get >/dev/null 2>&1 ||
    die "apt-get not found: install $* with your system's package manager"
  log "installing Debian package(s): $*"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q ||
    die "apt-get update failed"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" ||
    die "apt-get install $* failed"
}
