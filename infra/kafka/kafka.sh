#!/usr/bin/env bash
# Signalbox local Apache Kafka (single node, KRaft, 127.0.0.1 only), run from Maven Central
# jars with plain `java` — no Docker, no downloaded tarball. See docs/infra-kafka.md.
#
#   bash infra/kafka/kafka.sh start|stop|status|restart|reset
#
#   start    idempotent; resolves the classpath once, formats storage once, starts the
#            broker in the background and waits until it answers a metadata request.
#   stop     SIGTERM, wait up to KAFKA_STOP_TIMEOUT (30s), then SIGKILL; idempotent.
#   status   one line; exit 0 running+answering, 1 process up but not answering, 3 stopped.
#   restart  stop + start, keeping data (used by fault tests).
#   reset    stop + delete the broker's data (topics, offsets, cluster id). Asks nothing.
#
# Environment (all optional):
#   KAFKA_PORT              client (PLAINTEXT) port, default 9092
#   KAFKA_CONTROLLER_PORT   KRaft controller port, default 9093
#   KAFKA_DATA_DIR          state dir, default <repo>/.data/kafka
#   KAFKA_HEAP_OPTS         default "-Xms256m -Xmx512m"
#   KAFKA_JVM_OPTS          extra JVM flags
#   KAFKA_START_TIMEOUT     seconds to wait for the broker to answer, default 90
#   KAFKA_STOP_TIMEOUT      seconds to wait after SIGTERM before SIGKILL, default 30
#   JAVA_HOME               java to use (else `java` on PATH); Java 17+
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"

KAFKA_HOST="127.0.0.1"
KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
DATA_DIR="${KAFKA_DATA_DIR:-$REPO_ROOT/.data/kafka}"
HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m}"
START_TIMEOUT="${KAFKA_START_TIMEOUT:-90}"
STOP_TIMEOUT="${KAFKA_STOP_TIMEOUT:-30}"

POM="$SCRIPT_DIR/pom.xml"
TEMPLATE="$SCRIPT_DIR/server.properties.template"
WAIT_SCRIPT="$SCRIPT_DIR/wait-for-kafka.cjs"

LOG_DIR="$DATA_DIR/logs"            # broker application logs (server.log, kafka.out)
STORAGE_DIR="$DATA_DIR/data"        # log.dirs: partitions + KRaft metadata
CLASSPATH_FILE="$DATA_DIR/classpath.txt"
CLASSPATH_STAMP="$DATA_DIR/classpath.stamp"
PROPS_FILE="$DATA_DIR/server.properties"
LOG4J_FILE="$DATA_DIR/log4j2.properties"
PID_FILE="$DATA_DIR/kafka.pid"
LOCK_FILE="$DATA_DIR/.lock"
SERVER_LOG="$LOG_DIR/server.log"
STDOUT_LOG="$LOG_DIR/kafka.out"

if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then JAVA="$JAVA_HOME/bin/java"; else JAVA="java"; fi

say() { echo "kafka: $*"; }
die() { echo "kafka: ERROR: $*" >&2; exit 1; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

lock() {
  mkdir -p "$DATA_DIR"
  exec 9>"$LOCK_FILE"
  if ! flock -w 180 9; then die "another kafka.sh is busy with $DATA_DIR (lock $LOCK_FILE)"; fi
}

# Is our broker process (by pid file) alive? Sets PID.
pid_alive() {
  PID=""
  [[ -f "$PID_FILE" ]] || return 1
  PID="$(tr -dc '0-9' < "$PID_FILE")"
  [[ -n "$PID" ]] || return 1
  kill -0 "$PID" 2>/dev/null || return 1
  # Guard against a recycled pid: it must be a java running kafka.Kafka.
  tr '\0' ' ' 2>/dev/null < "/proc/$PID/cmdline" | grep -q 'kafka\.Kafka' || return 1
}

# A broker of ours whose pid file was lost: java kafka.Kafka with exactly our properties file.
find_orphan() {
  local p cmd
  for p in $(ls /proc 2>/dev/null | grep -E '^[0-9]+$'); do
    cmd="$(tr '\0' ' ' 2>/dev/null < "/proc/$p/cmdline" || true)"
    if [[ "$cmd" == *" kafka.Kafka $PROPS_FILE"* ]]; then echo "$p"; return 0; fi
  done
  return 1
}

port_open() { (exec 3<>"/dev/tcp/$KAFKA_HOST/$1") 2>/dev/null; }

# Does a Kafka broker answer on the client port? (one quick metadata request)
broker_answers() {
  port_open "$KAFKA_PORT" || return 1
  node "$WAIT_SCRIPT" --brokers "$KAFKA_HOST:$KAFKA_PORT" --once "$@"
}

check_java() {
  command -v "$JAVA" >/dev/null 2>&1 || die "java not found (install a JDK 17+ or set JAVA_HOME)"
  local v
  v="$("$JAVA" -version 2>&1 | awk -F'"' '/version/ { print $2; exit }')"
  local major="${v%%.*}"
  [[ "$major" =~ ^[0-9]+$ ]] && (( major >= 17 )) || die "Java 17+ required, found '$v' ($JAVA)"
}

resolve_classpath() {
  local stamp jar ok=1
  stamp="$(sha256sum "$POM" | cut -d' ' -f1)"
  if [[ -s "$CLASSPATH_FILE" && -f "$CLASSPATH_STAMP" && "$(cat "$CLASSPATH_STAMP")" == "$stamp" ]]; then
    # Re-resolve if a jar vanished (e.g. ~/.m2 was cleaned).
    while IFS= read -r jar; do
      if [[ -n "$jar" && ! -f "$jar" ]]; then ok=0; break; fi
    done < <(tr ':' '\n' < "$CLASSPATH_FILE"; echo)
    if (( ok )); then return 0; fi
  fi
  command -v mvn >/dev/null 2>&1 || die "mvn not found; needed once to resolve the Kafka jars"
  say "resolving broker classpath with Maven (first run downloads jars to ~/.m2)..."
  local t0 out tmp="$CLASSPATH_FILE.tmp"
  t0="$(now)"
  if ! out="$(mvn -q -B -f "$POM" dependency:build-classpath -Dmdep.includeScope=runtime \
      -Dmdep.outputFile="$tmp" 2>&1)"; then
    echo "$out" | tail -40 >&2
    die "Maven could not resolve the Kafka classpath (see above)"
  fi
  [[ -s "$tmp" ]] || die "Maven produced an empty classpath ($tmp)"
  mv "$tmp" "$CLASSPATH_FILE"
  echo "$stamp" > "$CLASSPATH_STAMP"
  say "classpath resolved in $(elapsed "$t0")s ($(tr ':' '\n' < "$CLASSPATH_FILE" | grep -c .) jars) -> $CLASSPATH_FILE"
}

render_config() {
  mkdir -p "$LOG_DIR" "$STORAGE_DIR"
  sed -e "s|@KAFKA_HOST@|$KAFKA_HOST|g" \
      -e "s|@KAFKA_PORT@|$KAFKA_PORT|g" \
      -e "s|@KAFKA_CONTROLLER_PORT@|$KAFKA_CONTROLLER_PORT|g" \
      -e "s|@KAFKA_LOG_DIR@|$STORAGE_DIR|g" \
      "$TEMPLATE" > "$PROPS_FILE.tmp"
  mv "$PROPS_FILE.tmp" "$PROPS_FILE"

  # Log4j 2 config (generated, not versioned): INFO to a size-rotated file.
  cat > "$LOG4J_FILE" <<EOF
# Generated by infra/kafka/kafka.sh; overwritten on every start.
status = warn
name = signalbox-kafka
# Files are flushed per line (immediateFlush), so no shutdown hook is needed; with one, Log4j
# warns "Unable to register Log4j shutdown hook because JVM is shutting down" on every stop.
shutdownHook = disable
appender.file.type = RollingFile
appender.file.name = file
appender.file.fileName = $SERVER_LOG
appender.file.filePattern = $SERVER_LOG.%i
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
appender.file.policies.type = Policies
appender.file.policies.size.type = SizeBasedTriggeringPolicy
appender.file.policies.size.size = 20MB
appender.file.strategy.type = DefaultRolloverStrategy
appender.file.strategy.max = 3
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = file
logger.request.name = kafka.request.logger
logger.request.level = WARN
logger.authorizer.name = kafka.authorizer.logger
logger.authorizer.level = WARN
EOF
}

format_storage() {
  if [[ -f "$STORAGE_DIR/meta.properties" ]]; then return 0; fi
  local cp cluster_id out t0
  t0="$(now)"
  cp="$(cat "$CLASSPATH_FILE")"
  cluster_id="$("$JAVA" -Xmx128m -Dlog4j2.configurationFile="$LOG4J_FILE" -cp "$cp" \
      kafka.tools.StorageTool random-uuid 2>>"$STDOUT_LOG" | tail -1)"
  [[ "$cluster_id" =~ ^[A-Za-z0-9_-]{22}$ ]] || die "storage tool gave no cluster id (see $STDOUT_LOG)"
  if ! out="$("$JAVA" -Xmx256m -Dlog4j2.configurationFile="$LOG4J_FILE" -cp "$cp" \
      kafka.tools.StorageTool format --config "$PROPS_FILE" --cluster-id "$cluster_id" --standalone 2>&1)"; then
    echo "$out" | tail -20 >&2
    die "formatting $STORAGE_DIR failed"
  fi
  say "formatted $STORAGE_DIR (cluster id $cluster_id, standalone controller quorum) in $(elapsed "$t0")s"
}

cmd_start() {
  local t0; t0="$(now)"
  mkdir -p "$DATA_DIR"
  # Fast path without the lock: a broker answers already.
  if broker_answers --quiet; then
    if pid_alive; then
      say "already running (pid $PID) on $KAFKA_HOST:$KAFKA_PORT; nothing to do"
    else
      say "a broker already answers on $KAFKA_HOST:$KAFKA_PORT; nothing to do"
    fi
    return 0
  fi
  lock
  if pid_alive; then
    if broker_answers --quiet; then
      say "already running (pid $PID) on $KAFKA_HOST:$KAFKA_PORT"
      return 0
    fi
    say "broker process $PID is up but not answering yet; waiting..."
    node "$WAIT_SCRIPT" --brokers "$KAFKA_HOST:$KAFKA_PORT" --timeout "$START_TIMEOUT" \
      --pid "$PID" --log "$SERVER_LOG" --log "$STDOUT_LOG" || die "broker (pid $PID) did not come up; see $SERVER_LOG"
    return 0
  fi
  if broker_answers --quiet; then
    say "a broker already answers on $KAFKA_HOST:$KAFKA_PORT (not started by this script); nothing to do"
    return 0
  fi
  local orphan
  if orphan="$(find_orphan)"; then
    echo "$orphan" > "$PID_FILE"
    say "found running broker pid $orphan without pid file; waiting for it..."
    node "$WAIT_SCRIPT" --brokers "$KAFKA_HOST:$KAFKA_PORT" --timeout "$START_TIMEOUT" \
      --pid "$orphan" --log "$SERVER_LOG" --log "$STDOUT_LOG" || die "broker (pid $orphan) did not come up"
    return 0
  fi
  rm -f "$PID_FILE"
  for p in "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT"; do
    if port_open "$p"; then die "port $KAFKA_HOST:$p is in use by something that is not our Kafka broker"; fi
  done

  check_java
  resolve_classpath
  render_config
  format_storage

  local java_opts=(
    $HEAP_OPTS
    -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35
    -XX:+ExplicitGCInvokesConcurrent -XX:MaxMetaspaceSize=192m -XX:ReservedCodeCacheSize=96m
    -XX:+ExitOnOutOfMemoryError
    -Djava.awt.headless=true
    -Dlog4j2.configurationFile="$LOG4J_FILE"
    -Dkafka.logs.dir="$LOG_DIR"
    ${KAFKA_JVM_OPTS:-}
  )
  {
    echo "==== $(date -Is) kafka.sh start: $JAVA ${java_opts[*]} kafka.Kafka $PROPS_FILE"
  } >> "$STDOUT_LOG"
  # New session (setsid) so the broker outlives the calling shell / CI step's process group;
  # the inner bash writes its own pid and execs java, so the pid file holds java's pid.
  # 9>&-: the broker must not inherit the lock fd, or it would hold the lock forever.
  nohup setsid bash -c 'echo $$ > "$0"; exec "$@"' "$PID_FILE" \
    "$JAVA" "${java_opts[@]}" -cp "$(cat "$CLASSPATH_FILE")" kafka.Kafka "$PROPS_FILE" \
    >> "$STDOUT_LOG" 2>&1 < /dev/null 9>&- &
  local launcher=$!
  local i
  for i in $(seq 1 50); do [[ -s "$PID_FILE" ]] && break; sleep 0.1; done
  PID="$(tr -dc '0-9' < "$PID_FILE" 2>/dev/null || true)"
  [[ -n "$PID" ]] || PID="$launcher"
  say "started broker pid $PID (heap: $HEAP_OPTS); waiting up to ${START_TIMEOUT}s for $KAFKA_HOST:$KAFKA_PORT..."
  if ! node "$WAIT_SCRIPT" --brokers "$KAFKA_HOST:$KAFKA_PORT" --timeout "$START_TIMEOUT" \
      --pid "$PID" --log "$SERVER_LOG" --log "$STDOUT_LOG"; then
    die "broker did not come up (pid $PID); logs: $SERVER_LOG $STDOUT_LOG"
  fi
  say "ready on $KAFKA_HOST:$KAFKA_PORT in $(elapsed "$t0")s (pid $PID, data $STORAGE_DIR)"
}

cmd_stop() {
  lock
  if ! pid_alive; then
    local orphan
    if orphan="$(find_orphan)"; then
      PID="$orphan"
    else
      rm -f "$PID_FILE"
      if port_open "$KAFKA_PORT"; then
        say "not running from $DATA_DIR (but something listens on $KAFKA_HOST:$KAFKA_PORT; not ours, left alone)"
      else
        say "not running"
      fi
      return 0
    fi
  fi
  local t0 i; t0="$(now)"
  say "stopping broker pid $PID (SIGTERM, up to ${STOP_TIMEOUT}s)..."
  kill -TERM "$PID" 2>/dev/null || true
  for (( i = 0; i < STOP_TIMEOUT * 10; i++ )); do
    kill -0 "$PID" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$PID" 2>/dev/null; then
    say "pid $PID still alive after ${STOP_TIMEOUT}s; sending SIGKILL"
    kill -KILL "$PID" 2>/dev/null || true
    for (( i = 0; i < 50; i++ )); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
  fi
  if kill -0 "$PID" 2>/dev/null; then die "could not stop pid $PID"; fi
  rm -f "$PID_FILE"
  say "stopped in $(elapsed "$t0")s"
}

cmd_status() {
  if pid_alive || PID="$(find_orphan)"; then
    if broker_answers --quiet; then
      say "running (pid $PID) on $KAFKA_HOST:$KAFKA_PORT, data $STORAGE_DIR"
      return 0
    fi
    say "process up (pid $PID) but not answering on $KAFKA_HOST:$KAFKA_PORT (starting or stuck; see $SERVER_LOG)"
    return 1
  fi
  if broker_answers --quiet; then
    say "a broker answers on $KAFKA_HOST:$KAFKA_PORT, but not one started from $DATA_DIR"
    return 0
  fi
  say "not running"
  return 3
}

cmd_reset() {
  cmd_stop
  rm -rf "$STORAGE_DIR"
  say "deleted broker data $STORAGE_DIR (next start formats a new cluster)"
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  restart) cmd_stop; exec 9>&-; cmd_start ;;
  reset) cmd_reset ;;
  *) echo "usage: bash infra/kafka/kafka.sh start|stop|status|restart|reset" >&2; exit 2 ;;
esac
