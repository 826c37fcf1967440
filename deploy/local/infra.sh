#!/usr/bin/env bash
# Local infrastructure for MetaL-Prompt without Docker: a single-node Kafka (KRaft, broker and
# controller in one JVM) and Redis, both on 127.0.0.1, with every file under the run folder.
#
#   deploy/local/infra.sh start      start Kafka and Redis (no-op for what already runs), create topics
#   deploy/local/infra.sh stop       SIGTERM, wait, SIGKILL if needed; nothing is left running
#   deploy/local/infra.sh status     what runs (exit 0 when both run, 3 otherwise)
#   deploy/local/infra.sh topics     (re)create the topics of deploy/topics.conf (--if-not-exists)
#   deploy/local/infra.sh describe   kafka-topics --describe for every metal.* topic
#   deploy/local/infra.sh tool CLASS [ARGS...]   run a Kafka tool class on the broker's classpath,
#                                    e.g. org.apache.kafka.tools.ConsoleProducer
#
# METAL_REDIS_MODE=cluster: a Redis Cluster of 3 masters + 3 replicas (ports 17000-17005, redis-cli --cluster create);
# METAL_REDIS_MODE=sentinel: a master (17100), 2 replicas and 3 Sentinels (17200-17202) watching it as "metal";
# METAL_KAFKA_BROKERS=3: three KRaft controller+broker JVMs (19192-19194), topics with replication factor 3 and
# min.insync.replicas=2. start.sh hands the services the matching METAL_REDIS_URL and KAFKA_BOOTSTRAP_SERVERS.
#
# METAL_KAFKA_SECURITY=scram: the broker listens with SASL/SCRAM only and authorises every request (StandardAuthorizer,
# no ACL = no access); start creates the users and ACLs of deploy/kafka-acls.conf, each user's password and client
# config in .run/kafka-scram/credentials/ (give a tool --command-config .run/kafka-scram/credentials/admin.properties).
#
# See deploy/local/README.md for ports, environment overrides and where the logs are.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

KAFKA_POM="${METAL_LOCAL_DIR}/kafka/pom.xml"
# KAFKA_DIR (common.sh) is per security mode; the jars are shared.
KAFKA_LIBS="${RUN_DIR}/kafka/libs"
KAFKA_DATA="${KAFKA_DIR}/data"
KAFKA_CONFIG="${KAFKA_DIR}/server.properties"
KAFKA_LOG="${LOG_DIR}/kafka.log"
KAFKA_MARKER="kafka.Kafka ${KAFKA_CONFIG}"
# Either mode's broker, for stop (whatever mode started it).
KAFKA_ANY_MARKER="kafka.Kafka ${RUN_DIR}/kafka"
KAFKA_ACLS="${METAL_KAFKA_ACLS_FILE:-${METAL_ROOT}/deploy/kafka-acls.conf}"
KAFKA_ADMIN_CONFIG="${KAFKA_CREDENTIALS}/admin.properties"
KAFKA_JAVA_OPTS="${METAL_KAFKA_JAVA_OPTS:--Xmx512m}"
TOPICS_FILE="${METAL_TOPICS_FILE:-${METAL_ROOT}/deploy/topics.conf}"
TOPIC_REPLICATION="${METAL_TOPIC_REPLICATION:-${KAFKA_BROKERS}}"

REDIS_DIR="${RUN_DIR}/redis"
REDIS_DATA="${REDIS_DIR}/data"
REDIS_LOG="${LOG_DIR}/redis.log"
REDIS_PIDFILE="${PID_DIR}/redis.pid"
REDIS_MARKER="127.0.0.1:${REDIS_PORT}"

mvnw() {
  "${METAL_ROOT}/mvnw" -q -B -f "${KAFKA_POM}" "$@"
}

# --- Kafka -----------------------------------------------------------------------------------------

# Jars come from Maven Central through deploy/local/kafka/pom.xml; fetched again when that pom changes.
ensure_kafka_libs() {
  local stamp="${KAFKA_LIBS}/.pom.sha256" want have=""
  want="$(sha256sum "${KAFKA_POM}" | cut -d' ' -f1)"
  [[ -r "${stamp}" ]] && have="$(cat "${stamp}")"
  if [[ "${want}" == "${have}" ]] && compgen -G "${KAFKA_LIBS}/kafka_2.13-*.jar" >/dev/null; then
    return 0
  fi
  log "fetching the Kafka runtime into ${KAFKA_LIBS} (Maven Central, once)"
  rm -rf "${KAFKA_LIBS}"
  mvnw dependency:copy-dependencies -DoutputDirectory="${KAFKA_LIBS}" \
    || die "could not fetch the Kafka jars with ${KAFKA_POM}"
  printf '%s\n' "${want}" >"${stamp}"
}

kafka_tool_java() {
  java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xshare:auto \
    -Dlog4j2.configurationFile="${METAL_LOCAL_DIR}/kafka/log4j2-tools.properties" \
    -cp "${KAFKA_LIBS}/*" "$@"
}

# The listeners of the mode: PLAINTEXT, or SASL/SCRAM with ACLs (deploy/local/kafka/scram.properties).
kafka_listeners() {
  if [[ "${KAFKA_SECURITY}" == "scram" ]]; then
    sed -e "s/@PORT@/${KAFKA_PORT}/g" -e "s/@CONTROLLER_PORT@/${KAFKA_CONTROLLER_PORT}/g" \
      -e "s/@ADMIN_PASSWORD@/$(<"${KAFKA_CREDENTIALS}/admin.password")/g" "${METAL_LOCAL_DIR}/kafka/scram.properties"
    return 0
  fi
  cat <<EOF
listeners=PLAINTEXT://127.0.0.1:${KAFKA_PORT},CONTROLLER://127.0.0.1:${KAFKA_CONTROLLER_PORT}
advertised.listeners=PLAINTEXT://127.0.0.1:${KAFKA_PORT}
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
EOF
}

# scram mode: the broker's static admin password (generated once) and the admin tools' client config.
ensure_admin_credentials() {
  [[ "${KAFKA_SECURITY}" == "scram" ]] || return 0
  (
    umask 077
    mkdir -p "${KAFKA_CREDENTIALS}"
    [[ -s "${KAFKA_CREDENTIALS}/admin.password" ]] \
      || head -c 18 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n' >"${KAFKA_CREDENTIALS}/admin.password"
    cat >"${KAFKA_ADMIN_CONFIG}" <<EOF
security.protocol=SASL_PLAINTEXT
sasl.mechanism=PLAIN
sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="$(<"${KAFKA_CREDENTIALS}/admin.password")";
EOF
  )
}

# --command-config for kafka tools in scram mode (nothing otherwise).
admin_args() {
  [[ "${KAFKA_SECURITY}" == "scram" ]] && printf -- '--command-config\n%s\n' "${KAFKA_ADMIN_CONFIG}"
  return 0
}

write_kafka_config() {
  mkdir -p "${KAFKA_DATA}"
  ensure_admin_credentials
  {
    cat <<EOF
# Generated by deploy/local/infra.sh on every start (METAL_KAFKA_SECURITY=${KAFKA_SECURITY}); edit the script, not this file.
node.id=1
process.roles=broker,controller
controller.quorum.voters=1@127.0.0.1:${KAFKA_CONTROLLER_PORT}
controller.listener.names=CONTROLLER
EOF
    kafka_listeners
    cat <<EOF
log.dirs=${KAFKA_DATA}
# One node: every internal topic has a single replica.
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
# Fewer __consumer_offsets partitions than the default 50: faster first group join on a laptop.
offsets.topic.num.partitions=6
group.initial.rebalance.delay.ms=0
# Topics exist only if deploy/topics.conf declares them.
auto.create.topics.enable=false
num.partitions=1
EOF
  } >"${KAFKA_CONFIG}"
}

# A KRaft log directory must be formatted once with a cluster id (22 chars, base64url of 16 bytes).
format_kafka_storage() {
  [[ -f "${KAFKA_DATA}/meta.properties" ]] && return 0
  local cluster_id
  cluster_id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | cut -c1-22)"
  log "formatting Kafka storage in ${KAFKA_DATA} (cluster id ${cluster_id})"
  kafka_tool_java kafka.tools.StorageTool format -t "${cluster_id}" -c "${KAFKA_CONFIG}" >>"${KAFKA_LOG}" 2>&1 \
    || { log_hint "${KAFKA_LOG}"; die "formatting Kafka storage failed; see ${KAFKA_LOG}"; }
}

kafka_ready() {
  grep -q 'Kafka Server started' "${KAFKA_LOG}" && port_open "${KAFKA_PORT}"
}

launch_kafka() {
  local pid
  if pid="$(adopt_pid kafka "${KAFKA_MARKER}")"; then
    log "Kafka already running (pid ${pid}, ${KAFKA_BOOTSTRAP})"
    return 0
  fi
  if [[ -n "$(pids_with_marker "${KAFKA_ANY_MARKER}")" ]]; then
    die "a Kafka broker of the other security mode runs (METAL_KAFKA_SECURITY=${KAFKA_SECURITY} asked); stop it first: deploy/local/stop.sh"
  fi
  require_free_port "${KAFKA_PORT}" "Kafka, METAL_KAFKA_PORT"
  require_free_port "${KAFKA_CONTROLLER_PORT}" "Kafka controller, METAL_KAFKA_CONTROLLER_PORT"
  ensure_kafka_libs
  rotate_log "${KAFKA_LOG}"
  write_kafka_config
  format_kafka_storage
  log "starting Kafka on ${KAFKA_BOOTSTRAP} (log ${KAFKA_LOG})"
  # Started as its own statement so that $! is the JVM itself (nohup execs), not a subshell.
  # shellcheck disable=SC2086 # KAFKA_JAVA_OPTS holds several JVM flags on purpose
  nohup java ${KAFKA_JAVA_OPTS} -XX:+UseG1GC -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="${METAL_LOCAL_DIR}/kafka/log4j2.properties" \
    -cp "${KAFKA_LIBS}/*" kafka.Kafka "${KAFKA_CONFIG}" </dev/null >>"${KAFKA_LOG}" 2>&1 &
  printf '%s\n' "$!" >"${PID_DIR}/kafka.pid"
}

# Waits for the broker, whether started now or by an earlier run (which may still be booting).
await_kafka() {
  local pid
  pid="$(running_pid kafka "${KAFKA_MARKER}")" || { log_hint "${KAFKA_LOG}"; die "Kafka is not running; see ${KAFKA_LOG}"; }
  kafka_ready && return 0
  wait_until "${INFRA_TIMEOUT}" "${pid}" "Kafka" "${KAFKA_LOG}" kafka_ready
  log "Kafka ready (pid ${pid})"
}

# --- Topics ----------------------------------------------------------------------------------------

# Fills TOPIC_GROUPS with one group of kafka-topics arguments per line of topics.conf, groups
# separated by "--".
TOPIC_GROUPS=()
TOPIC_COUNT=0
parse_topics() {
  [[ -r "${TOPICS_FILE}" ]] || die "topic list ${TOPICS_FILE} not found"
  local line name partitions configs extra kv lineno=0
  local -a kvs
  TOPIC_GROUPS=()
  TOPIC_COUNT=0
  while IFS= read -r line || [[ -n "${line}" ]]; do
    lineno=$((lineno + 1))
    line="${line%%#*}"
    read -r name partitions configs extra <<<"${line}" || true
    [[ -n "${name:-}" ]] || continue
    if [[ ! "${partitions:-}" =~ ^[1-9][0-9]*$ || -n "${extra:-}" ]]; then
      die "${TOPICS_FILE}:${lineno}: expected '<name> <partitions> [key=value,...]', got '${line}'"
    fi
    ((TOPIC_COUNT > 0)) && TOPIC_GROUPS+=(--)
    TOPIC_GROUPS+=(--create --if-not-exists --topic "${name}" --partitions "${partitions}"
      --replication-factor "${TOPIC_REPLICATION}")
    if ((TOPIC_REPLICATION >= 3)); then
      TOPIC_GROUPS+=(--config min.insync.replicas=2)
    fi
    if [[ -n "${configs:-}" ]]; then
      IFS=',' read -r -a kvs <<<"${configs}"
      for kv in "${kvs[@]}"; do
        [[ "${kv}" == ?*=?* ]] || die "${TOPICS_FILE}:${lineno}: config '${kv}' is not key=value"
        TOPIC_GROUPS+=(--config "${kv}")
      done
    fi
    TOPIC_COUNT=$((TOPIC_COUNT + 1))
  done <"${TOPICS_FILE}"
}

# kafka-topics warns about '.' in every topic name (metric-name collision with '_'); ours use only '.'.
drop_topic_name_warning() {
  grep -v "^WARNING: Due to limitations in metric names" || true
}

create_topics() {
  parse_topics
  log "creating ${TOPIC_COUNT} topics from ${TOPICS_FILE} (existing ones are left as they are)"
  local modules
  modules="$(java --list-modules 2>/dev/null)" || true
  # METAL_TOPICS_PER_JVM=1 forces the per-topic path (to test it).
  if [[ "${modules}" == *jdk.compiler@* && -z "${METAL_TOPICS_PER_JVM:-}" ]]; then
    # One JVM for all topics (kafka-topics' own option parser and service, see CreateTopics.java).
    [[ "${KAFKA_SECURITY}" == "scram" ]] && export METAL_KAFKA_ADMIN_CONFIG="${KAFKA_ADMIN_CONFIG}"
    kafka_tool_java "${METAL_LOCAL_DIR}/lib/CreateTopics.java" "${KAFKA_BOOTSTRAP}" "${TOPIC_GROUPS[@]}" \
      | drop_topic_name_warning || die "topic creation failed (broker log: ${KAFKA_LOG})"
    return 0
  fi
  # A JRE without a compiler cannot run the single-file helper: one kafka-topics JVM per topic.
  local -a group=()
  local arg
  for arg in "${TOPIC_GROUPS[@]}" --; do
    if [[ "${arg}" == "--" ]]; then
      # shellcheck disable=SC2046 # admin_args prints nothing or two separate words
      kafka_tool_java org.apache.kafka.tools.TopicCommand --bootstrap-server "${KAFKA_BOOTSTRAP}" $(admin_args) "${group[@]}" \
        | drop_topic_name_warning || die "topic creation failed (broker log: ${KAFKA_LOG})"
      group=()
    else
      group+=("${arg}")
    fi
  done
}

describe_topics() {
  # shellcheck disable=SC2046 # admin_args prints nothing or two separate words
  kafka_tool_java org.apache.kafka.tools.TopicCommand --bootstrap-server "${KAFKA_BOOTSTRAP}" $(admin_args) \
    --describe --topic 'metal\..*'
}

# scram mode: the users and ACLs of deploy/kafka-acls.conf (idempotent; passwords are generated once).
secure_kafka() {
  [[ "${KAFKA_SECURITY}" == "scram" ]] || return 0
  local modules
  modules="$(java --list-modules 2>/dev/null)" || true
  [[ "${modules}" == *jdk.compiler@* ]] || die "METAL_KAFKA_SECURITY=scram needs a JDK (the ACLs are applied by the Java source launcher)"
  log "applying the users and ACLs of ${KAFKA_ACLS}"
  kafka_tool_java "${METAL_LOCAL_DIR}/lib/KafkaSecurity.java" "${KAFKA_BOOTSTRAP}" "${KAFKA_ACLS}" "${KAFKA_CREDENTIALS}" \
    || die "applying ${KAFKA_ACLS} failed (broker log: ${KAFKA_LOG})"
}

# --- Redis -----------------------------------------------------------------------------------------

# redis-server: $METAL_REDIS_SERVER, else the one on PATH, else the binary bundled in
# com.github.codemonstur:embedded-redis (fetched by deploy/local/kafka/pom.xml, extracted once).
resolve_redis_server() {
  if [[ -n "${METAL_REDIS_SERVER:-}" ]]; then
    printf '%s\n' "${METAL_REDIS_SERVER}"
    return 0
  fi
  if have redis-server; then
    command -v redis-server
    return 0
  fi
  local bin="${REDIS_DIR}/bin/redis-server" entry
  if [[ -x "${bin}" ]]; then
    printf '%s\n' "${bin}"
    return 0
  fi
  case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) entry="redis-server-6.2.6-v5-linux-amd64" ;;
    Linux-aarch64 | Linux-arm64) entry="redis-server-6.2.7-linux-arm64" ;;
    *) die "no redis-server on PATH and no bundled binary for $(uname -s)-$(uname -m); install Redis or set METAL_REDIS_SERVER" ;;
  esac
  log "redis-server not on PATH: extracting ${entry} from embedded-redis into ${REDIS_DIR}/bin" >&2
  mkdir -p "${REDIS_DIR}/bin"
  mvnw dependency:copy -DoutputDirectory="${REDIS_DIR}/jar" >&2 || die "could not fetch embedded-redis with ${KAFKA_POM}"
  local jar="${REDIS_DIR}/jar/embedded-redis.jar"
  if have unzip; then
    unzip -p "${jar}" "${entry}" >"${bin}.tmp" || die "unzip could not extract ${entry} from ${jar}"
  elif have jar; then
    (cd "${REDIS_DIR}/bin" && jar xf "${jar}" "${entry}" && mv -f "${entry}" "${bin}.tmp") \
      || die "jar could not extract ${entry} from ${jar}"
  else
    die "need 'unzip' (apt-get install unzip) or a JDK's 'jar' to extract redis-server from ${jar}; or install redis-server"
  fi
  [[ -s "${bin}.tmp" ]] || die "${entry} not found in ${jar}"
  chmod +x "${bin}.tmp"
  mv -f "${bin}.tmp" "${bin}"
  printf '%s\n' "${bin}"
}

redis_ping() {
  redis_ping_port "${REDIS_PORT}"
}

redis_pidfile_written() {
  [[ -s "${REDIS_PIDFILE}" ]]
}

start_redis() {
  local pid server
  if pid="$(running_pid redis "${REDIS_MARKER}")"; then
    log "Redis already running (pid ${pid}, 127.0.0.1:${REDIS_PORT})"
    wait_until "${INFRA_TIMEOUT}" "${pid}" "Redis" "${REDIS_LOG}" redis_ping
    return 0
  fi
  require_free_port "${REDIS_PORT}" "Redis, METAL_REDIS_PORT"
  server="$(resolve_redis_server)"
  mkdir -p "${REDIS_DATA}"
  rotate_log "${REDIS_LOG}"
  log "starting Redis on 127.0.0.1:${REDIS_PORT} ($("${server}" --version | cut -d' ' -f1-3); log ${REDIS_LOG})"
  # Daemonizes itself and writes the PID file once it listens. AOF on, RDB snapshots off.
  "${server}" --bind 127.0.0.1 --port "${REDIS_PORT}" --protected-mode yes \
    --daemonize yes --pidfile "${REDIS_PIDFILE}" --logfile "${REDIS_LOG}" \
    --dir "${REDIS_DATA}" --save "" --appendonly yes \
    || { log_hint "${REDIS_LOG}"; die "redis-server failed to start; see ${REDIS_LOG}"; }
  wait_until "${INFRA_TIMEOUT}" - "Redis" "${REDIS_LOG}" redis_pidfile_written
  pid="$(pid_of redis)"
  wait_until "${INFRA_TIMEOUT}" "${pid}" "Redis" "${REDIS_LOG}" redis_ping
  log "Redis ready (pid ${pid})"
}

# --- Redis Cluster and Sentinel (METAL_REDIS_MODE) -------------------------------------------------

# redis_ping_port PORT: the server on PORT answers PING.
redis_ping_port() {
  # shellcheck disable=SC2016 # $1 and ${reply} belong to the inner bash
  timeout 2 bash -c '
    exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    printf "PING\r\n" >&3
    IFS= read -r reply <&3
    [[ "${reply}" == "+PONG"* ]]' _ "$1" 2>/dev/null
}

# start_redis_node NAME PORT DIR ARGS...: one daemonized redis-server (AOF on) unless it runs; waits for PING.
start_redis_node() {
  local name="$1" port="$2" dir="$3" server
  shift 3
  if running_pid "${name}" "127.0.0.1:${port}" >/dev/null; then
    return 0
  fi
  require_free_port "${port}" "${name}"
  server="$(resolve_redis_server)"
  mkdir -p "${dir}"
  rotate_log "${LOG_DIR}/${name}.log"
  "${server}" --bind 127.0.0.1 --port "${port}" --protected-mode yes --daemonize yes \
    --pidfile "${PID_DIR}/${name}.pid" --logfile "${LOG_DIR}/${name}.log" --dir "${dir}" \
    --save "" --appendonly yes "$@" \
    || { log_hint "${LOG_DIR}/${name}.log"; die "${name} failed to start; see ${LOG_DIR}/${name}.log"; }
  wait_until "${INFRA_TIMEOUT}" - "${name}" "${LOG_DIR}/${name}.log" test -s "${PID_DIR}/${name}.pid"
  wait_until "${INFRA_TIMEOUT}" "$(pid_of "${name}")" "${name}" "${LOG_DIR}/${name}.log" redis_ping_port "${port}"
}

redis_cluster_ok() {
  redis-cli -p "${REDIS_CLUSTER_PORT}" cluster info 2>/dev/null | grep -q '^cluster_state:ok'
}

# Six nodes from the one redis-server binary; formed once with redis-cli --cluster create (3 masters, 1 replica each).
start_redis_cluster() {
  have redis-cli || die "METAL_REDIS_MODE=cluster needs redis-cli to form the cluster (apt-get install redis-tools)"
  local i port known
  local -a nodes=()
  for ((i = 0; i < 6; i++)); do
    port=$((REDIS_CLUSTER_PORT + i))
    nodes+=("127.0.0.1:${port}")
    start_redis_node "redis-cluster-${port}" "${port}" "${RUN_DIR}/redis-cluster/${port}" \
      --cluster-enabled yes --cluster-config-file nodes.conf --cluster-node-timeout 5000
  done
  if ! redis_cluster_ok; then
    known="$(redis-cli -p "${REDIS_CLUSTER_PORT}" cluster info | tr -d '\r' | sed -n 's/^cluster_known_nodes://p')"
    if [[ "${known}" == "1" ]]; then
      log "forming the Redis Cluster (3 masters + 3 replicas) with redis-cli --cluster create"
      redis-cli --cluster create "${nodes[@]}" --cluster-replicas 1 --cluster-yes >>"${LOG_DIR}/redis-cluster-create.log" 2>&1 \
        || { log_hint "${LOG_DIR}/redis-cluster-create.log"; die "redis-cli --cluster create failed"; }
    fi
    wait_until "${INFRA_TIMEOUT}" - "Redis Cluster" "${LOG_DIR}/redis-cluster-${REDIS_CLUSTER_PORT}.log" redis_cluster_ok
  fi
  log "Redis Cluster ready: ${REDIS_URL}"
}

# A master, two replicas and three Sentinels (quorum 2) watching it as "metal".
start_redis_sentinel() {
  local i port conf master="${REDIS_SENTINEL_DATA_PORT}"
  start_redis_node "redis-sentinel-data-${master}" "${master}" "${RUN_DIR}/redis-sentinel/${master}"
  for i in 1 2; do
    port=$((master + i))
    start_redis_node "redis-sentinel-data-${port}" "${port}" "${RUN_DIR}/redis-sentinel/${port}" --replicaof 127.0.0.1 "${master}"
  done
  mkdir -p "${RUN_DIR}/redis-sentinel"
  for i in 0 1 2; do
    port=$((REDIS_SENTINEL_PORT + i))
    conf="${RUN_DIR}/redis-sentinel/sentinel-${port}.conf"
    if [[ ! -s "${conf}" ]]; then # a Sentinel rewrites its config with what it learns: written once
      cat >"${conf}" <<EOF
sentinel monitor ${REDIS_SENTINEL_MASTER} 127.0.0.1 ${master} 2
sentinel down-after-milliseconds ${REDIS_SENTINEL_MASTER} 5000
sentinel failover-timeout ${REDIS_SENTINEL_MASTER} 20000
sentinel parallel-syncs ${REDIS_SENTINEL_MASTER} 1
EOF
    fi
    if running_pid "redis-sentinel-${port}" "127.0.0.1:${port}" >/dev/null; then
      continue
    fi
    require_free_port "${port}" "Sentinel"
    rotate_log "${LOG_DIR}/redis-sentinel-${port}.log"
    "$(resolve_redis_server)" "${conf}" --sentinel --bind 127.0.0.1 --port "${port}" --daemonize yes \
      --pidfile "${PID_DIR}/redis-sentinel-${port}.pid" --logfile "${LOG_DIR}/redis-sentinel-${port}.log" \
      --dir "${RUN_DIR}/redis-sentinel" || die "Sentinel on ${port} failed to start; see ${LOG_DIR}/redis-sentinel-${port}.log"
    wait_until "${INFRA_TIMEOUT}" - "Sentinel ${port}" "${LOG_DIR}/redis-sentinel-${port}.log" redis_ping_port "${port}"
  done
  log "Redis with 2 replicas and 3 Sentinels ready: ${REDIS_URL}"
}

# Every Redis of the cluster and sentinel modes that runs (by PID file), for stop.
stop_redis_topologies() {
  local file name pid
  for file in "${PID_DIR}"/redis-cluster-*.pid "${PID_DIR}"/redis-sentinel-*.pid; do
    [[ -e "${file}" ]] || continue
    name="$(basename "${file}" .pid)"
    if pid="$(running_pid "${name}" "127.0.0.1:${name##*-}")"; then
      stop_pid "${name}" "${pid}"
    fi
  done
}

# --- Three-broker Kafka (METAL_KAFKA_BROKERS=3) ------------------------------------------------------

KAFKA_CLUSTER_DIR="${RUN_DIR}/kafka-cluster"

write_kafka_cluster_config() {
  local node="$1" dir="${KAFKA_CLUSTER_DIR}/node-$1" voters="" i
  for i in 1 2 3; do voters+="${voters:+,}${i}@127.0.0.1:$((KAFKA_CLUSTER_CONTROLLER_PORT + i - 1))"; done
  mkdir -p "${dir}/data"
  cat >"${dir}/server.properties" <<EOF
# Generated by deploy/local/infra.sh (METAL_KAFKA_BROKERS=3) on every start; edit the script, not this file.
node.id=${node}
process.roles=broker,controller
controller.quorum.voters=${voters}
controller.listener.names=CONTROLLER
listeners=PLAINTEXT://127.0.0.1:$((KAFKA_CLUSTER_PORT + node - 1)),CONTROLLER://127.0.0.1:$((KAFKA_CLUSTER_CONTROLLER_PORT + node - 1))
advertised.listeners=PLAINTEXT://127.0.0.1:$((KAFKA_CLUSTER_PORT + node - 1))
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=${dir}/data
# Three replicas of everything; a write is acknowledged (acks=all) once two have it.
default.replication.factor=3
min.insync.replicas=2
offsets.topic.replication.factor=3
transaction.state.log.replication.factor=3
transaction.state.log.min.isr=2
share.coordinator.state.topic.replication.factor=3
share.coordinator.state.topic.min.isr=2
offsets.topic.num.partitions=6
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
unclean.leader.election.enable=false
num.partitions=1
EOF
}

kafka_node_ready() {
  grep -q 'Kafka Server started' "$1" && port_open "$2"
}

launch_kafka_cluster() {
  [[ "${KAFKA_SECURITY}" == "none" ]] || die "METAL_KAFKA_BROKERS=3 runs PLAINTEXT only; the secured mode is single-broker"
  ensure_kafka_libs
  local node dir pid cluster_id=""
  [[ -r "${KAFKA_CLUSTER_DIR}/cluster.id" ]] && cluster_id="$(<"${KAFKA_CLUSTER_DIR}/cluster.id")"
  if [[ -z "${cluster_id}" ]]; then
    mkdir -p "${KAFKA_CLUSTER_DIR}"
    cluster_id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | cut -c1-22)"
    printf '%s\n' "${cluster_id}" >"${KAFKA_CLUSTER_DIR}/cluster.id"
  fi
  for node in 1 2 3; do
    dir="${KAFKA_CLUSTER_DIR}/node-${node}"
    if pid="$(adopt_pid "kafka-${node}" "kafka.Kafka ${dir}/server.properties")"; then
      log "Kafka broker ${node} already running (pid ${pid})"
      continue
    fi
    require_free_port "$((KAFKA_CLUSTER_PORT + node - 1))" "Kafka broker ${node}"
    write_kafka_cluster_config "${node}"
    rotate_log "${LOG_DIR}/kafka-${node}.log"
    if [[ ! -f "${dir}/data/meta.properties" ]]; then
      kafka_tool_java kafka.tools.StorageTool format -t "${cluster_id}" -c "${dir}/server.properties" \
        >>"${LOG_DIR}/kafka-${node}.log" 2>&1 || die "formatting Kafka broker ${node} failed; see ${LOG_DIR}/kafka-${node}.log"
    fi
    log "starting Kafka broker ${node} on 127.0.0.1:$((KAFKA_CLUSTER_PORT + node - 1)) (log ${LOG_DIR}/kafka-${node}.log)"
    # shellcheck disable=SC2086 # the options hold several JVM flags on purpose
    nohup java ${METAL_KAFKA_CLUSTER_JAVA_OPTS:--Xmx384m} -XX:+UseG1GC -Djava.awt.headless=true \
      -Dlog4j2.configurationFile="${METAL_LOCAL_DIR}/kafka/log4j2.properties" \
      -cp "${KAFKA_LIBS}/*" kafka.Kafka "${dir}/server.properties" </dev/null >>"${LOG_DIR}/kafka-${node}.log" 2>&1 &
    printf '%s\n' "$!" >"${PID_DIR}/kafka-${node}.pid"
  done
}

await_kafka_cluster() {
  local node pid
  for node in 1 2 3; do
    pid="$(running_pid "kafka-${node}" "kafka.Kafka ${KAFKA_CLUSTER_DIR}/node-${node}/server.properties")" \
      || die "Kafka broker ${node} is not running; see ${LOG_DIR}/kafka-${node}.log"
    wait_until "${INFRA_TIMEOUT}" "${pid}" "Kafka broker ${node}" "${LOG_DIR}/kafka-${node}.log" \
      kafka_node_ready "${LOG_DIR}/kafka-${node}.log" "$((KAFKA_CLUSTER_PORT + node - 1))"
  done
  log "three Kafka brokers ready: ${KAFKA_BOOTSTRAP}"
}

# --- Commands --------------------------------------------------------------------------------------

cmd_start() {
  trap on_start_exit EXIT
  require_java
  ensure_run_dirs
  local t0
  t0="$(now_ms)"
  if [[ "${KAFKA_BROKERS}" == "3" ]]; then
    launch_kafka_cluster # the brokers boot while Redis starts
  else
    launch_kafka
  fi
  case "${REDIS_MODE}" in
    single) start_redis ;;
    cluster) start_redis_cluster ;;
    sentinel) start_redis_sentinel ;;
  esac
  if [[ "${KAFKA_BROKERS}" == "3" ]]; then
    await_kafka_cluster
  else
    await_kafka
  fi
  create_topics
  secure_kafka
  log "infrastructure up in $(elapsed_since "${t0}") s: Kafka ${KAFKA_BOOTSTRAP} (security: ${KAFKA_SECURITY}), Redis ${REDIS_URL}, run folder ${RUN_DIR}"
}

cmd_stop() {
  ensure_run_dirs
  # Redis: by its PID file only (its process title "redis-server 127.0.0.1:PORT" is no safe marker).
  local pid
  if pid="$(running_pid redis "${REDIS_MARKER}")"; then
    stop_pid redis "${pid}"
  else
    log "redis not running"
  fi
  stop_redis_topologies
  local node
  local -a brokers=()
  for node in 1 2 3; do
    if pid="$(running_pid "kafka-${node}" "kafka.Kafka ${KAFKA_CLUSTER_DIR}/node-${node}/server.properties")"; then
      brokers+=("${node}:${pid}")
      kill -TERM "${pid}" 2>/dev/null || true # all at once: the last broker of a quorum cannot shut down alone
    fi
  done
  for node in "${brokers[@]}"; do
    stop_pid "kafka-${node%%:*}" "${node##*:}"
  done
  stop_all kafka "${KAFKA_ANY_MARKER}"
}

# status of the cluster modes: how many of their processes run (exit 3 unless all).
cluster_status() {
  local rc=0 n node port
  if [[ "${KAFKA_BROKERS}" == "3" ]]; then
    n=0
    for node in 1 2 3; do
      running_pid "kafka-${node}" "kafka.Kafka ${KAFKA_CLUSTER_DIR}/node-${node}/server.properties" >/dev/null && n=$((n + 1))
    done
    log "Kafka: ${n} of 3 brokers running (${KAFKA_BOOTSTRAP})"
    ((n == 3)) || rc=3
  elif node="$(adopt_pid kafka "${KAFKA_MARKER}")"; then
    log "Kafka running (pid ${node}, ${KAFKA_BOOTSTRAP})"
  else
    log "Kafka not running"
    rc=3
  fi
  if [[ "${REDIS_MODE}" == "single" ]]; then
    if node="$(running_pid redis "${REDIS_MARKER}")"; then
      log "Redis running (pid ${node}, 127.0.0.1:${REDIS_PORT})"
    else
      log "Redis not running"
      rc=3
    fi
  fi
  case "${REDIS_MODE}" in
    cluster)
      n=0
      for ((port = REDIS_CLUSTER_PORT; port < REDIS_CLUSTER_PORT + 6; port++)); do
        running_pid "redis-cluster-${port}" "127.0.0.1:${port}" >/dev/null && n=$((n + 1))
      done
      log "Redis Cluster: ${n} of 6 nodes running ($(redis_cluster_ok && echo 'cluster_state:ok' || echo 'not ok'))"
      ((n == 6)) || rc=3
      ;;
    sentinel)
      n=0
      for port in "${REDIS_SENTINEL_DATA_PORT}" $((REDIS_SENTINEL_DATA_PORT + 1)) $((REDIS_SENTINEL_DATA_PORT + 2)); do
        running_pid "redis-sentinel-data-${port}" "127.0.0.1:${port}" >/dev/null && n=$((n + 1))
      done
      for port in "${REDIS_SENTINEL_PORT}" $((REDIS_SENTINEL_PORT + 1)) $((REDIS_SENTINEL_PORT + 2)); do
        running_pid "redis-sentinel-${port}" "127.0.0.1:${port}" >/dev/null && n=$((n + 1))
      done
      log "Redis with Sentinels: ${n} of 6 processes running (${REDIS_URL})"
      ((n == 6)) || rc=3
      ;;
  esac
  return "${rc}"
}

cmd_status() {
  ensure_run_dirs
  if [[ "${KAFKA_BROKERS}" == "3" || "${REDIS_MODE}" != "single" ]]; then
    cluster_status
    return
  fi
  local pid rc=0
  # adopt: finds this mode's broker by its command line even when another mode's status removed the PID file
  if pid="$(adopt_pid kafka "${KAFKA_MARKER}")"; then
    if kafka_ready; then
      log "Kafka running (pid ${pid}, ${KAFKA_BOOTSTRAP})"
    else
      log "Kafka starting or unhealthy (pid ${pid}; log ${KAFKA_LOG})"
    fi
  elif pid="$(pids_with_marker "${KAFKA_ANY_MARKER}" | head -n 1)" && [[ -n "${pid}" ]]; then
    log "Kafka of the other security mode running (pid ${pid}); this is METAL_KAFKA_SECURITY=${KAFKA_SECURITY}"
    rc=3
  else
    log "Kafka not running"
    rc=3
  fi
  if pid="$(running_pid redis "${REDIS_MARKER}")"; then
    log "Redis running (pid ${pid}, 127.0.0.1:${REDIS_PORT})"
  else
    log "Redis not running"
    rc=3
  fi
  log "run folder ${RUN_DIR} (logs in ${LOG_DIR})"
  return "${rc}"
}

require_kafka_running() {
  if [[ "${KAFKA_BROKERS}" == "3" ]]; then
    running_pid kafka-1 "kafka.Kafka ${KAFKA_CLUSTER_DIR}/node-1/server.properties" >/dev/null \
      || die "the three Kafka brokers are not running (METAL_KAFKA_BROKERS=3 deploy/local/infra.sh start)"
    return 0
  fi
  adopt_pid kafka "${KAFKA_MARKER}" >/dev/null || die "Kafka is not running (deploy/local/infra.sh start)"
}

main() {
  case "${1:-}" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    topics)
      require_kafka_running # dies when not; kept out of an && list so errexit applies below
      create_topics
      ;;
    describe)
      require_kafka_running
      describe_topics
      ;;
    tool)
      shift
      [[ $# -ge 1 ]] || die "usage: $0 tool CLASS [ARGS...]"
      ensure_kafka_libs
      kafka_tool_java "$@"
      ;;
    *)
      sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'
      [[ "${1:-}" =~ ^(-h|--help|help)$ ]] || exit 2
      ;;
  esac
}

main "$@"
