#!/usr/bin/env bash
# deploy/kafka.sh - a local single-node Apache Kafka broker (KRaft) from Maven Central jars.
# Run `deploy/kafka.sh --help` for usage.
set -euo pipefail

JANGKAU_LOG_TAG=kafka
# shellcheck source=deploy/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
  cat <<EOF
Usage: deploy/kafka.sh COMMAND

A single-node Apache Kafka $JANGKAU_KAFKA_VERSION broker (broker + KRaft controller in one JVM)
on 127.0.0.1, run with plain 'java' from jars fetched from Maven Central. No Docker.

Commands:
  install   Fetch the broker jars into the cache (first time only; needs java >= 17 and mvn):
              $JANGKAU_KAFKA_LIBS
  start     Start the broker in the background (no-op if it already runs), wait until the
            client port accepts connections (up to ${JANGKAU_KAFKA_START_TIMEOUT:-120}s) and
            print how long that took. Formats the data dir on first start.
  stop      SIGTERM, wait up to 60s, then SIGKILL.
  status    Print whether the broker runs; exit 0 if it runs, 3 if not.
  reset     stop, then delete the data dir (the next start formats a fresh one).

Profile '$JANGKAU_PROFILE' (JANGKAU_PROFILE=dev|test):
  bootstrap   127.0.0.1:$JANGKAU_KAFKA_PORT        (JANGKAU_KAFKA_PORT)
  controller  127.0.0.1:$JANGKAU_KAFKA_CONTROLLER_PORT        (JANGKAU_KAFKA_CONTROLLER_PORT)
  state       $KAFKA_DIR/{data,server.properties,kafka.log,kafka.pid}

Environment:
  JANGKAU_KAFKA_FRESH=1        start deletes the data dir first (fresh cluster; used by tests)
  JANGKAU_KAFKA_JAVA_OPTS      extra JVM options, appended (e.g. -Djangkau.kafka.loglevel=DEBUG)
  JANGKAU_KAFKA_START_TIMEOUT  seconds to wait for readiness (default 120)
  JANGKAU_CACHE                download cache (now: $JANGKAU_CACHE)

Examples:
  deploy/kafka.sh start && deploy/kafka.sh status
  JANGKAU_PROFILE=test JANGKAU_KAFKA_FRESH=1 deploy/kafka.sh start
  tail -f $KAFKA_LOG
EOF
}

# java_major : print the major version of 'java' on PATH (8 for 1.8, 17 for 17.0.x).
java_major() {
  local line ver
  line=$(java -version 2>&1 | head -n 1)
  ver=$(sed -n 's/.*version "\([^"]*\)".*/\1/p' <<<"$line")
  [[ -n "$ver" ]] || die "cannot read the Java version from: $line"
  if [[ "$ver" == 1.* ]]; then
    ver=${ver#1.}
  fi
  printf '%s\n' "${ver%%[.+-]*}"
}

check_java() {
  need_cmd java "Install a JDK >= 17 (Debian: apt-get install -y openjdk-17-jdk-headless)."
  local major
  major=$(java_major)
  if ! [[ "$major" =~ ^[0-9]+$ ]] || ((major < 17)); then
    die "Kafka $JANGKAU_KAFKA_VERSION needs Java >= 17, but 'java' on PATH is version $major" \
      "($(command -v java)). Install openjdk-17 and put it first on PATH."
  fi
}

kafka_installed() {
  [[ -f "$JANGKAU_KAFKA_MARKER" && -d "$JANGKAU_KAFKA_LIBS" ]]
}

cmd_install() {
  check_java
  if kafka_installed; then
    log "Kafka $JANGKAU_KAFKA_VERSION jars already in $JANGKAU_KAFKA_LIBS"
    return 0
  fi
  need_cmd mvn "Install Maven (Debian: apt-get install -y maven)."
  mkdir -p "$JANGKAU_CACHE"
  # One download at a time (dev and test profiles may be started together).
  local lock="$JANGKAU_CACHE/.kafka-$JANGKAU_KAFKA_VERSION.lock"
  exec 9>"$lock"
  if ! flock -n 9; then
    log "another process is downloading the Kafka jars; waiting for it (lock $lock)"
    flock 9
  fi
  if kafka_installed; then
    log "Kafka $JANGKAU_KAFKA_VERSION jars already in $JANGKAU_KAFKA_LIBS"
    exec 9>&-
    return 0
  fi
  # Leftovers of interrupted downloads (we hold the lock, so nobody is using them).
  find "$JANGKAU_CACHE" -maxdepth 1 -type d -name ".kafka-$JANGKAU_KAFKA_VERSION.??????" \
    -exec rm -rf {} + 2>/dev/null || true
  if [[ -e "$JANGKAU_KAFKA_HOME" ]]; then
    log "removing incomplete $JANGKAU_KAFKA_HOME (no $(basename "$JANGKAU_KAFKA_MARKER") marker)"
    rm -rf "$JANGKAU_KAFKA_HOME"
  fi

  local tmp t0 count
  tmp=$(mktemp -d "$JANGKAU_CACHE/.kafka-$JANGKAU_KAFKA_VERSION.XXXXXX")
  # shellcheck disable=SC2064 # expand $tmp now
  trap "rm -rf '$tmp'" EXIT
  trap 'exit 130' INT TERM
  t0=$(now_ms)
  log "fetching Kafka $JANGKAU_KAFKA_VERSION jars from Maven Central (first time only;" \
    "maven repo: $JANGKAU_CACHE/m2)"
  # Maven 3.8 prints stray ANSI resets even in batch mode: strip them and blank lines.
  if ! mvn -B -q -Dstyle.color=never -f "$JANGKAU_DEPLOY_DIR/kafka/pom.xml" \
    -Dmaven.repo.local="$JANGKAU_CACHE/m2" \
    dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$tmp/libs" 2>&1 |
    sed -e 's/\x1b\[[0-9;]*m//g' -e '/^[[:space:]]*$/d' >&2; then
    die "mvn could not fetch the Kafka jars (network to Maven Central? see the output above)"
  fi
  count=$(find "$tmp/libs" -maxdepth 1 -name '*.jar' | wc -l)
  [[ -f "$tmp/libs/kafka_2.13-$JANGKAU_KAFKA_VERSION.jar" ]] ||
    die "download incomplete: kafka_2.13-$JANGKAU_KAFKA_VERSION.jar missing in $tmp/libs"
  ((count >= 20)) || die "download incomplete: only $count jars in $tmp/libs"
  printf 'kafka_2.13 %s, %s jars, fetched %s\n' "$JANGKAU_KAFKA_VERSION" "$count" \
    "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$tmp/.complete"
  # A rename within one filesystem is atomic: the folder appears complete or not at all.
  mv -T "$tmp" "$JANGKAU_KAFKA_HOME"
  trap - EXIT INT TERM
  exec 9>&-
  log "fetched $count jars into $JANGKAU_KAFKA_LIBS in $(elapsed_s "$t0")s"
}

# Write server.properties for this profile (rewritten on every start: ports may change).
write_server_properties() {
  mkdir -p "$KAFKA_DIR"
  cat >"$KAFKA_PROPS.tmp" <<EOF
# Generated by deploy/kafka.sh on every start: edits are lost. Profile: $JANGKAU_PROFILE.
# Single-node KRaft broker+controller on loopback, for local development and tests only.
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:$JANGKAU_KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$JANGKAU_KAFKA_PORT,CONTROLLER://127.0.0.1:$JANGKAU_KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$JANGKAU_KAFKA_PORT,CONTROLLER://127.0.0.1:$JANGKAU_KAFKA_CONTROLLER_PORT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$KAFKA_DATA

# One node: every internal topic with replication factor 1 (the defaults, 3 and min ISR 2,
# make the consumer-offsets and transaction topics impossible on one node).
offsets.topic.replication.factor=1
offsets.topic.num.partitions=3
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=3
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
default.replication.factor=1
min.insync.replicas=1

# Fast, small, local.
group.initial.rebalance.delay.ms=0
num.partitions=3
auto.create.topics.enable=true
num.network.threads=2
num.io.threads=2
log.cleaner.dedupe.buffer.size=1048577
log.retention.hours=168
EOF
  mv -f "$KAFKA_PROPS.tmp" "$KAFKA_PROPS"
}

kafka_java() {
  java -Xmx256m -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$JANGKAU_DEPLOY_DIR/kafka/log4j2.properties" \
    -cp "$JANGKAU_KAFKA_LIBS/*" "$@"
}

format_if_needed() {
  if [[ -f "$KAFKA_DATA/meta.properties" ]]; then
    local formatted_cport=""
    if [[ -r "$KAFKA_DIR/format.env" ]]; then
      formatted_cport=$(sed -n 's/^controller_port=//p' "$KAFKA_DIR/format.env")
    fi
    if [[ -n "$formatted_cport" && "$formatted_cport" != "$JANGKAU_KAFKA_CONTROLLER_PORT" ]]; then
      die "the data in $KAFKA_DATA was formatted for controller port $formatted_cport, not" \
        "$JANGKAU_KAFKA_CONTROLLER_PORT. Run 'deploy/kafka.sh reset' (deletes the data) or" \
        "set JANGKAU_KAFKA_CONTROLLER_PORT=$formatted_cport."
    fi
    return 0
  fi
  local cluster_id="" t0
  t0=$(now_ms)
  if [[ -r "$KAFKA_CLUSTER_ID_FILE" ]]; then
    read -r cluster_id <"$KAFKA_CLUSTER_ID_FILE" || true
  fi
  if [[ -z "$cluster_id" ]]; then
    cluster_id=$(kafka_java kafka.tools.StorageTool random-uuid 2>>"$KAFKA_LOG" | tail -n 1)
    [[ "$cluster_id" =~ ^[A-Za-z0-9_-]{22}$ ]] ||
      die "StorageTool random-uuid returned '$cluster_id' (see $KAFKA_LOG)"
    printf '%s\n' "$cluster_id" >"$KAFKA_CLUSTER_ID_FILE"
  fi
  rm -rf "$KAFKA_DATA"
  mkdir -p "$KAFKA_DATA"
  log "formatting $KAFKA_DATA (cluster id $cluster_id)"
  if ! kafka_java kafka.tools.StorageTool format --standalone --cluster-id="$cluster_id" \
    --config "$KAFKA_PROPS" >>"$KAFKA_LOG" 2>&1; then
    show_log_tail "$KAFKA_LOG" 40
    die "formatting the Kafka data dir failed"
  fi
  printf 'controller_port=%s\ncluster_id=%s\n' "$JANGKAU_KAFKA_CONTROLLER_PORT" "$cluster_id" \
    >"$KAFKA_DIR/format.env"
  log "formatted in $(elapsed_s "$t0")s"
}

delete_data() {
  rm -rf "$KAFKA_DATA" "$KAFKA_CLUSTER_ID_FILE" "$KAFKA_DIR/format.env"
}

cmd_start() {
  local pid t0 timeout=${JANGKAU_KAFKA_START_TIMEOUT:-120}
  pid=$(running_pid "$KAFKA_PIDFILE")
  if [[ -n "$pid" ]]; then
    log "already running (pid $pid, bootstrap 127.0.0.1:$JANGKAU_KAFKA_PORT, profile $JANGKAU_PROFILE)"
    if [[ "${JANGKAU_KAFKA_FRESH:-0}" == 1 ]]; then
      warn "JANGKAU_KAFKA_FRESH=1 ignored: the broker already runs (use 'reset' or stop first)"
    fi
    return 0
  fi
  kafka_installed || cmd_install
  check_java
  ensure_port_free "$JANGKAU_KAFKA_PORT" "the Kafka client listener"
  ensure_port_free "$JANGKAU_KAFKA_CONTROLLER_PORT" "the Kafka controller listener"
  mkdir -p "$KAFKA_DIR"
  if [[ "${JANGKAU_KAFKA_FRESH:-0}" == 1 ]]; then
    log "JANGKAU_KAFKA_FRESH=1: deleting $KAFKA_DATA for a freshly formatted cluster"
    delete_data
  fi
  fresh_log "$KAFKA_LOG"
  write_server_properties
  format_if_needed

  local -a jvm=(-Xms256m -Xmx1g -XX:+UseG1GC -XX:MaxGCPauseMillis=20
    -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent
    -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true
    "-Dlog4j2.configurationFile=$JANGKAU_DEPLOY_DIR/kafka/log4j2.properties")
  if [[ -n "${JANGKAU_KAFKA_JAVA_OPTS:-}" ]]; then
    local -a extra
    read -r -a extra <<<"$JANGKAU_KAFKA_JAVA_OPTS"
    jvm+=("${extra[@]}")
  fi
  t0=$(now_ms)
  pid=$(spawn "$KAFKA_LOG" "$KAFKA_PIDFILE" \
    java "${jvm[@]}" -cp "$JANGKAU_KAFKA_LIBS/*" kafka.Kafka "$KAFKA_PROPS")
  log "started pid $pid; waiting up to ${timeout}s for 127.0.0.1:$JANGKAU_KAFKA_PORT (log: $KAFKA_LOG)"
  wait_for_port 127.0.0.1 "$JANGKAU_KAFKA_PORT" "$timeout" "$pid" "$KAFKA_LOG" ||
    give_up_start "$pid" "$KAFKA_PIDFILE" \
      "Kafka did not become ready (profile $JANGKAU_PROFILE); full log: $KAFKA_LOG"
  log "ready in $(elapsed_s "$t0")s: bootstrap 127.0.0.1:$JANGKAU_KAFKA_PORT (pid $pid, profile $JANGKAU_PROFILE)"
}

cmd_stop() {
  stop_pid "kafka ($JANGKAU_PROFILE)" "$KAFKA_PIDFILE" "$JANGKAU_STATE_DIR" cmdline 60
}

cmd_status() {
  local pid
  pid=$(running_pid "$KAFKA_PIDFILE")
  if [[ -n "$pid" ]]; then
    echo "kafka ($JANGKAU_PROFILE): running, pid $pid, bootstrap 127.0.0.1:$JANGKAU_KAFKA_PORT, log $KAFKA_LOG"
    return 0
  fi
  echo "kafka ($JANGKAU_PROFILE): stopped"
  return 3
}

cmd_reset() {
  cmd_stop
  log "deleting $KAFKA_DATA (next start formats fresh data)"
  delete_data
}

main() {
  case "${1:-}" in
    install) cmd_install ;;
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    reset) cmd_reset ;;
    -h | --help | help) usage ;;
    "") usage >&2; exit 2 ;;
    *) printf 'kafka.sh: unknown command %q\n\n' "$1" >&2; usage >&2; exit 2 ;;
  esac
}

main "$@"
