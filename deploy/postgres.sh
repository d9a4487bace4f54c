#!/usr/bin/env bash
# deploy/postgres.sh - a local PostgreSQL cluster for one profile, from Debian's binaries.
# Run `deploy/postgres.sh --help` for usage.
set -euo pipefail

JANGKAU_LOG_TAG=postgres
# shellcheck source=deploy/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
  cat <<EOF
Usage: deploy/postgres.sh COMMAND [ARGS...]

A private PostgreSQL cluster for profile '$JANGKAU_PROFILE' on 127.0.0.1:$JANGKAU_PG_PORT, run with
the Debian server binaries (/usr/lib/postgresql/<version>/bin). It does not touch the
system's own clusters (pg_lsclusters).

Commands:
  install     apt-get install -y postgresql, unless /usr/lib/postgresql/*/bin/initdb exists
              (as root, or through sudo).
  start       initdb on first use, then 'pg_ctl -w -t 60 start' (no-op if running); then
              creates the databases ${JANGKAU_DATABASES[*]} (owner $JANGKAU_PG_USER) if missing.
  stop        'pg_ctl -m fast stop'. The data stays.
  status      Print whether the cluster runs and where it lives; exit 0 if it runs, 3 if not.
  reset       stop, then delete the cluster, also when it lives outside the checkout (the next
              start runs initdb again).
  psql [ARGS] psql to this cluster as '$JANGKAU_PG_USER' over TCP (database 'postgres' unless
              ARGS has -d). Example: deploy/postgres.sh psql -d registration -c 'select 1'

Cluster:
  superuser   $JANGKAU_PG_USER, password from JANGKAU_PG_PASSWORD (local demo default:
              'jangkau-local'); host connections use scram-sha-256, the unix socket 'trust'.
  files       $PG_LINK/{data,postgres.log} and the unix socket.
              As root, the server runs as the 'postgres' system user (or 'jangkau-pg', created
              if needed). If that user cannot reach the state dir (a clone under /root or in a
              'mktemp -d' folder), or the socket path would be too long, the cluster lives
              outside the checkout, in $(relocated_base "$JANGKAU_STATE_DIR")/pg
              (jangkau-<hash of the state dir>), and the path above is a symlink to it.
              That directory goes with 'reset', with 'deploy/stack.sh down' for profile test,
              and with 'make clean', which also deletes those whose checkout was deleted.
  settings    listen_addresses=127.0.0.1, max_connections=200, shared_buffers=256MB;
              profile 'test' also sets fsync=off, synchronous_commit=off, full_page_writes=off.

Environment:
  JANGKAU_PROFILE=dev|test, JANGKAU_PG_PORT, JANGKAU_PG_PASSWORD,
  JANGKAU_PG_BINDIR (default: newest /usr/lib/postgresql/*/bin),
  JANGKAU_PG_RELOCATE_DIR (default /var/tmp: where a cluster outside the checkout goes)
EOF
}

# ---------------------------------------------------------------------------------------------

# newest_pg_bindir : the newest installed /usr/lib/postgresql/<version>/bin, or nothing.
newest_pg_bindir() {
  find /usr/lib/postgresql -mindepth 3 -maxdepth 3 -path '*/bin/initdb' -printf '%h\n' \
    2>/dev/null | sort -V | tail -n 1 || true
}

pg_bindir() {
  local ver=""
  if [[ -n "${JANGKAU_PG_BINDIR:-}" ]]; then
    printf '%s\n' "$JANGKAU_PG_BINDIR"
    return 0
  fi
  # An existing cluster keeps the major version it was created with.
  local root
  root=$(pg_root_existing)
  if [[ -n "$root" && -r "$root/data/PG_VERSION" ]]; then
    read -r ver <"$root/data/PG_VERSION" || true
    if [[ -x "/usr/lib/postgresql/$ver/bin/postgres" ]]; then
      printf '%s\n' "/usr/lib/postgresql/$ver/bin"
      return 0
    fi
  fi
  newest_pg_bindir
}

need_pg_binaries() {
  PG_BIN=$(pg_bindir)
  if [[ -z "$PG_BIN" || ! -x "$PG_BIN/initdb" || ! -x "$PG_BIN/pg_ctl" ]]; then
    die "PostgreSQL server binaries not found (/usr/lib/postgresql/*/bin/initdb)." \
      "Run 'deploy/postgres.sh install' (apt-get install -y postgresql)."
  fi
  if [[ -n "$root_ver" && ! -x "/usr/lib/postgresql/$root_ver/bin/postgres" && -z "${JANGKAU_PG_BINDIR:-}" ]]; then
    die "the cluster in $(pg_root_existing)/data was created by PostgreSQL $root_ver, whose" \
      "binaries are not installed. Install postgresql-$root_ver or run 'deploy/postgres.sh reset'."
  fi
}

# The OS user that runs initdb/pg_ctl/postgres. initdb refuses to run as root.
pg_os_user() {
  if ((EUID != 0)); then
    id -un
  elif id -u postgres >/dev/null 2>&1; then
    echo postgres
  else
    echo jangkau-pg
  fi
}

ensure_pg_os_user() {
  PG_OS_USER=$(pg_os_user)
  if ((EUID == 0)) && ! id -u "$PG_OS_USER" >/dev/null 2>&1; then
    log "creating system user $PG_OS_USER to run PostgreSQL (initdb refuses to run as root)"
    useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin \
      "$PG_OS_USER" || die "could not create system user $PG_OS_USER"
  fi
}

# run_pg CMD... : run CMD as the PostgreSQL OS user, from '/' (its cwd may be unreadable).
run_pg() {
  if ((EUID == 0)); then
    (cd / && runuser -u "$PG_OS_USER" -- "$@")
  else
    (cd / && "$@")
  fi
}

# pg_relocate BASE : make BASE/pg the cluster dir, linked from $PG_LINK; sets PG_ROOT.
# The 'state-dir' file comes last: a base that has it is linked, so never looks stale.
pg_relocate() {
  local base=$1
  PG_ROOT="$base/pg"
  if [[ -L "$base" ]]; then
    die "$base is a symlink; refusing to use it (remove it and retry)"
  fi
  mkdir -p "$JANGKAU_PG_RELOCATE_DIR" "$base"
  if [[ ! -O "$base" ]]; then
    die "$base exists but belongs to uid $(stat -c %u "$base"), not to you; remove it and retry"
  fi
  chmod 755 "$base"
  mkdir -p "$PG_ROOT"
  ln -sfn "$PG_ROOT" "$PG_LINK"
  printf '%s\n' "$JANGKAU_STATE_DIR" >"$base/state-dir"
}

# pg_prepare_root : create (or repair) the cluster dir; sets PG_ROOT.
pg_prepare_root() {
  local base reason=""
  base=$(relocated_base "$JANGKAU_STATE_DIR")
  mkdir -p "$JANGKAU_STATE_DIR"
  if [[ -L "$PG_LINK" && "$(readlink "$PG_LINK")" == "$base/pg" ]]; then
    # Ours: re-create the base if it vanished (tmpfiles cleaners age out /var/tmp).
    [[ -d "$base/pg" ]] || log "the cluster dir $base/pg is gone: creating a new cluster there"
    pg_relocate "$base"
  elif [[ -L "$PG_LINK" ]]; then
    PG_ROOT=$(readlink -f "$PG_LINK") || true
    PG_ROOT=${PG_ROOT:-$(readlink "$PG_LINK")}
  elif [[ -d "$PG_LINK" ]]; then
    PG_ROOT=$PG_LINK
  else
    # Unix socket paths are limited to 107 bytes: "<dir>/.s.PGSQL.<port>".
    if ((${#PG_LINK} + 20 > 100)); then
      reason="the socket path under $PG_LINK would be too long"
    elif ((EUID == 0)) && ! runuser -u "$PG_OS_USER" -- test -x "$JANGKAU_STATE_DIR" 2>/dev/null; then
      reason="user $PG_OS_USER cannot reach $JANGKAU_STATE_DIR"
    fi
    if [[ -n "$reason" ]]; then
      log "$reason: placing the cluster outside the checkout, in $base/pg (symlinked from" \
        "$PG_LINK; removed by 'reset', by 'stack.sh down' for profile test, and by 'make clean')"
      pg_relocate "$base"
    else
      PG_ROOT=$PG_LINK
    fi
  fi
  mkdir -p "$PG_ROOT"
  if ((EUID == 0)); then
    chown "$PG_OS_USER:" "$PG_ROOT"
  fi
  chmod 700 "$PG_ROOT"
}

pg_paths() {
  PG_DATA="$PG_ROOT/data"
  PG_LOGFILE="$PG_ROOT/postgres.log"
  PG_PIDFILE="$PG_DATA/postmaster.pid"
}

pg_running_pid() {
  running_pid "$PG_PIDFILE" "$PG_DATA" cmdline
}

# Write the settings file included from postgresql.conf (rewritten on every start).
write_pg_conf() {
  local conf="$PG_DATA/jangkau.conf"
  {
    echo "# Generated by deploy/postgres.sh on every start: edits are lost. Profile: $JANGKAU_PROFILE."
    echo "listen_addresses = '127.0.0.1'"
    echo "port = $JANGKAU_PG_PORT"
    echo "unix_socket_directories = '$PG_ROOT'"
    echo "max_connections = 200"
    echo "shared_buffers = 256MB"
    if [[ "$JANGKAU_PROFILE" == test ]]; then
      echo "# test profile: speed over durability (data is throwaway)"
      echo "fsync = off"
      echo "synchronous_commit = off"
      echo "full_page_writes = off"
    else
      echo "fsync = on"
    fi
  } >"$conf.tmp"
  if ((EUID == 0)); then
    chown "$PG_OS_USER:" "$conf.tmp"
  fi
  chmod 600 "$conf.tmp"
  mv -f "$conf.tmp" "$conf"
}

initdb_if_needed() {
  if [[ -f "$PG_DATA/PG_VERSION" ]]; then
    return 0
  fi
  if [[ -e "$PG_DATA" ]]; then
    log "removing incomplete cluster dir $PG_DATA (no PG_VERSION)"
    rm -rf "$PG_DATA"
  fi
  local pwfile="$PG_ROOT/.initdb-pw" t0
  t0=$(now_ms)
  (umask 077 && printf '%s\n' "$JANGKAU_PG_PASSWORD" >"$pwfile")
  if ((EUID == 0)); then
    chown "$PG_OS_USER:" "$pwfile"
  fi
  log "initdb $PG_DATA (superuser $JANGKAU_PG_USER, UTF8, locale C, as OS user $PG_OS_USER)"
  if ! run_pg "$PG_BIN/initdb" -D "$PG_DATA" -U "$JANGKAU_PG_USER" --pwfile="$pwfile" \
    --auth-host=scram-sha-256 --auth-local=trust -E UTF8 --locale=C \
    >>"$PG_ROOT/initdb.log" 2>&1; then
    rm -f "$pwfile"
    show_log_tail "$PG_ROOT/initdb.log" 40
    die "initdb failed"
  fi
  rm -f "$pwfile"
  printf "\n# Local settings of the Jangkau stack (deploy/postgres.sh)\ninclude_if_exists = 'jangkau.conf'\n" \
    >>"$PG_DATA/postgresql.conf"
  log "initdb done in $(elapsed_s "$t0")s"
}

# psql_socket ARGS... : psql as the superuser over the unix socket (local auth is 'trust').
psql_socket() {
  "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$PG_ROOT" -p "$JANGKAU_PG_PORT" \
    -U "$JANGKAU_PG_USER" -d postgres "$@"
}

ensure_role_and_databases() {
  # The role's password follows JANGKAU_PG_PASSWORD (applied on every start).
  printf '%s\n' "ALTER ROLE $JANGKAU_PG_USER PASSWORD :'pw';" |
    psql_socket -v pw="$JANGKAU_PG_PASSWORD" >/dev/null ||
    die "could not set the password of role $JANGKAU_PG_USER"
  local db created
  for db in "${JANGKAU_DATABASES[@]}"; do
    created=$(psql_socket -At -v db="$db" <<'SQL'
SELECT 'CREATE DATABASE ' || quote_ident(:'db') || ' OWNER jangkau'
WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'db') \gexec
SELECT CASE WHEN EXISTS (SELECT 1 FROM pg_database WHERE datname = :'db') THEN 'ok' END;
SQL
    ) || die "could not create database $db"
    [[ "$created" == *ok* ]] || die "database $db missing after CREATE DATABASE"
  done
}

# ---------------------------------------------------------------------------------------------

root_ver=""

setup_existing() {
  PG_ROOT=$(pg_root_existing)
  root_ver=""
  if [[ -n "$PG_ROOT" ]]; then
    pg_paths
    if [[ -r "$PG_DATA/PG_VERSION" ]]; then
      read -r root_ver <"$PG_DATA/PG_VERSION" || true
    fi
  fi
}

cmd_install() {
  local dir
  dir=$(newest_pg_bindir)
  if [[ -n "$dir" ]]; then
    log "PostgreSQL server binaries present ($dir)"
    return 0
  fi
  apt_install postgresql
  dir=$(newest_pg_bindir)
  [[ -n "$dir" ]] || die "apt-get install postgresql did not provide /usr/lib/postgresql/*/bin/initdb"
  log "installed PostgreSQL server binaries ($dir)"
}

cmd_start() {
  setup_existing
  if [[ -n "$PG_ROOT" ]]; then
    local pid
    pid=$(pg_running_pid)
    if [[ -n "$pid" ]]; then
      log "already running (pid $pid, 127.0.0.1:$JANGKAU_PG_PORT, profile $JANGKAU_PROFILE)"
      return 0
    fi
  fi
  need_pg_binaries
  need_cmd runuser
  ensure_pg_os_user
  pg_prepare_root
  pg_paths
  ensure_port_free "$JANGKAU_PG_PORT" "PostgreSQL"
  initdb_if_needed
  write_pg_conf
  local t0
  t0=$(now_ms)
  log "starting PostgreSQL ($PG_BIN) on 127.0.0.1:$JANGKAU_PG_PORT (log: $PG_LOGFILE)"
  if ! run_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_LOGFILE" -w -t 60 start >/dev/null; then
    show_log_tail "$PG_LOGFILE" 40
    die "PostgreSQL did not start (profile $JANGKAU_PROFILE); full log: $PG_LOGFILE"
  fi
  ensure_role_and_databases
  log "ready in $(elapsed_s "$t0")s: 127.0.0.1:$JANGKAU_PG_PORT, databases ${JANGKAU_DATABASES[*]}" \
    "(pid $(pg_running_pid), profile $JANGKAU_PROFILE)"
}

cmd_stop() {
  setup_existing
  if [[ -z "$PG_ROOT" || -z "$(pg_running_pid)" ]]; then
    log "postgres ($JANGKAU_PROFILE) is not running"
    return 0
  fi
  need_pg_binaries
  PG_OS_USER=$(pg_os_user)
  local t0
  t0=$(now_ms)
  if ! run_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w -t 60 stop >/dev/null; then
    warn "fast shutdown did not finish in 60s; trying immediate shutdown"
    run_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m immediate -w -t 30 stop >/dev/null ||
      die "could not stop PostgreSQL (see $PG_LOGFILE)"
  fi
  log "postgres ($JANGKAU_PROFILE) stopped in $(elapsed_s "$t0")s"
}

cmd_status() {
  setup_existing
  local pid=""
  if [[ -n "$PG_ROOT" ]]; then
    pid=$(pg_running_pid)
  fi
  if [[ -n "$pid" ]]; then
    echo "postgres ($JANGKAU_PROFILE): running, pid $pid, 127.0.0.1:$JANGKAU_PG_PORT, data $PG_DATA"
    return 0
  fi
  echo "postgres ($JANGKAU_PROFILE): stopped${PG_ROOT:+, data $PG_DATA}"
  return 3
}

cmd_reset() {
  cmd_stop
  setup_existing
  if [[ -z "$PG_ROOT" ]]; then
    if [[ -L "$PG_LINK" ]]; then
      log "removing $PG_LINK: its target $(readlink "$PG_LINK") is gone"
      rm -f "$PG_LINK"
    fi
    log "no cluster to delete"
    return 0
  fi
  log "deleting the cluster in $PG_ROOT"
  if [[ -L "$PG_LINK" ]]; then
    local base
    base=$(relocated_base "$JANGKAU_STATE_DIR")
    # Only ever delete the directory this script creates.
    if [[ "$PG_ROOT" -ef "$base/pg" || "$(readlink "$PG_LINK")" == "$base/pg" ]] &&
      relocated_owner "$base" >/dev/null; then
      rm -rf "$base"
    else
      warn "$PG_LINK points to $PG_ROOT, not to a cluster dir this script made ($base/pg):" \
        "leaving that directory alone"
    fi
    rm -f "$PG_LINK"
  else
    rm -rf "$PG_LINK"
  fi
}

cmd_psql() {
  need_pg_binaries
  [[ -x "$PG_BIN/psql" ]] || die "psql not found in $PG_BIN"
  PGHOST=127.0.0.1 PGPORT=$JANGKAU_PG_PORT PGUSER=$JANGKAU_PG_USER \
    PGPASSWORD=$JANGKAU_PG_PASSWORD PGDATABASE=postgres exec "$PG_BIN/psql" "$@"
}

main() {
  local cmd=${1:-}
  if (($# > 0)); then
    shift
  fi
  case "$cmd" in
    install) cmd_install ;;
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    reset) cmd_reset ;;
    psql)
      setup_existing
      cmd_psql "$@"
      ;;
    -h | --help | help) usage ;;
    "") usage >&2; exit 2 ;;
    *) printf 'postgres.sh: unknown command %q\n\n' "$cmd" >&2; usage >&2; exit 2 ;;
  esac
}

main "$@"
