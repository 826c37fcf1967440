#!/usr/bin/env bash
# Runs the main job locally: Kafka + Redis (infra.sh), then gateway, prompt-generator and
# inference-worker as background JVMs, and waits until each answers /q/health/ready on its management port.
#
#   deploy/local/start.sh [--build]
#
#   --build   rebuild the services (./mvnw -B -q package -DskipTests) even if they are packaged;
#             without it they are built only when a quarkus-run.jar is missing.
#
# METAL_KAFKA_SECURITY=scram: a broker with SASL/SCRAM and ACLs (infra.sh); each service connects as its own
# principal of deploy/kafka-acls.conf, through KAFKA_SECURITY_PROTOCOL, KAFKA_SASL_MECHANISM, KAFKA_SASL_JAAS_CONFIG.
#
# Needs only Java 17 (Maven comes through ./mvnw). Safe to run twice: what runs is left alone.
# Stop everything with deploy/local/stop.sh. Ports, overrides and logs: deploy/local/README.md.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

# Order matters for the printout only; stop.sh stops them in this order too.
SERVICES=(gateway prompt-generator inference-worker)
SERVICE_JAVA_OPTS="${METAL_JAVA_OPTS:-}"

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'
}

service_port() {
  case "$1" in
    gateway) printf '%s\n' "${METAL_GATEWAY_PORT:-18080}" ;;
    prompt-generator) printf '%s\n' "${METAL_PROMPT_GENERATOR_PORT:-18081}" ;;
    inference-worker) printf '%s\n' "${METAL_INFERENCE_WORKER_PORT:-18082}" ;;
    *) die "unknown service $1" ;;
  esac
}

service_jar() {
  printf '%s\n' "${METAL_ROOT}/$1/target/quarkus-app/quarkus-run.jar"
}

# Health and metrics are on each service's management port, apart from the port its clients use.
management_port() {
  case "$1" in
    gateway) printf '%s\n' "${METAL_GATEWAY_MANAGEMENT_PORT:-18090}" ;;
    prompt-generator) printf '%s\n' "${METAL_PROMPT_GENERATOR_MANAGEMENT_PORT:-18091}" ;;
    inference-worker) printf '%s\n' "${METAL_INFERENCE_WORKER_MANAGEMENT_PORT:-18092}" ;;
    *) die "unknown service $1" ;;
  esac
}

ready_url() {
  printf 'http://127.0.0.1:%s/q/health/ready\n' "$(management_port "$1")"
}

# Fails before anything starts when a service port is taken by something that is not ours.
preflight_ports() {
  local service
  for service in "${SERVICES[@]}"; do
    if ! adopt_pid "${service}" "$(service_jar "${service}")" >/dev/null; then
      require_free_port "$(service_port "${service}")" "${service}"
      require_free_port "$(management_port "${service}")" "${service} management"
    fi
  done
}

build_if_needed() {
  local force="$1" service missing=()
  for service in "${SERVICES[@]}"; do
    [[ -f "$(service_jar "${service}")" ]] || missing+=("${service}")
  done
  if [[ "${force}" == "no" && ${#missing[@]} -eq 0 ]]; then
    return 0
  fi
  if [[ "${force}" == "yes" ]]; then
    log "building the services (--build): ./mvnw -B -q package -DskipTests"
  else
    log "not packaged yet: ${missing[*]}; building: ./mvnw -B -q package -DskipTests (a cold build takes minutes)"
  fi
  local t0
  t0="$(now_ms)"
  (cd "${METAL_ROOT}" && ./mvnw -B -q package -DskipTests) || die "build failed (output above)"
  for service in "${SERVICES[@]}"; do
    [[ -f "$(service_jar "${service}")" ]] || die "build finished but $(service_jar "${service}") is missing"
  done
  log "build done in $(elapsed_since "${t0}") s"
}

# KAFKA_* settings of SERVICE's principal in scram mode, one NAME=value a line (nothing otherwise): its client
# config written by KafkaSecurity.java, security.protocol as KAFKA_SECURITY_PROTOCOL, and so on.
kafka_env() {
  [[ "${KAFKA_SECURITY}" == "scram" ]] || return 0
  local file="${KAFKA_CREDENTIALS}/$1.properties" line name
  while IFS= read -r line || [[ -n "${line}" ]]; do
    [[ "${line}" == *=* && "${line}" != \#* ]] || continue
    name="${line%%=*}"
    name="${name^^}"
    printf 'KAFKA_%s=%s\n' "${name//./_}" "${line#*=}"
  done <"${file}"
}

# Launches SERVICE unless it runs already.
launch_service() {
  local service="$1" port jar logfile pid
  local -a kafka=()
  port="$(service_port "${service}")"
  jar="$(service_jar "${service}")"
  logfile="${LOG_DIR}/${service}.log"
  if pid="$(running_pid "${service}" "${jar}")"; then
    log "${service} already running (pid ${pid}, http://127.0.0.1:${port})"
    return 0
  fi
  require_free_port "${port}" "${service}"
  require_free_port "$(management_port "${service}")" "${service} management"
  if [[ "${KAFKA_SECURITY}" == "scram" && ! -r "${KAFKA_CREDENTIALS}/${service}.properties" ]]; then
    die "no Kafka credentials for ${service} in ${KAFKA_CREDENTIALS} (infra.sh start applies deploy/kafka-acls.conf)"
  fi
  mapfile -t kafka < <(kafka_env "${service}")
  rotate_log "${logfile}"
  log "starting ${service} on 127.0.0.1:${port} (log ${logfile})"
  # Started as its own statement so that $! is the JVM itself (nohup execs), not a subshell.
  # shellcheck disable=SC2086 # SERVICE_JAVA_OPTS holds several JVM flags on purpose
  KAFKA_BOOTSTRAP_SERVERS="${KAFKA_BOOTSTRAP}" \
    METAL_REDIS_URL="${REDIS_URL}" \
    QUARKUS_HTTP_HOST=127.0.0.1 \
    QUARKUS_HTTP_PORT="${port}" \
    QUARKUS_MANAGEMENT_HOST=127.0.0.1 \
    QUARKUS_MANAGEMENT_PORT="$(management_port "${service}")" \
    METAL_MODEL_BASE="${METAL_MODEL_BASE:-${METAL_ROOT}/models/base-lm}" \
    METAL_MODEL_PGM="${METAL_MODEL_PGM:-${METAL_ROOT}/models/pgm}" \
    OPT_OUT_TRACKING=true DJL_OFFLINE=true OMP_WAIT_POLICY=PASSIVE \
    env "${kafka[@]}" nohup java ${SERVICE_JAVA_OPTS} -Dai.djl.offline=true \
    -jar "${jar}" </dev/null >>"${logfile}" 2>&1 &
  printf '%s\n' "$!" >"${PID_DIR}/${service}.pid"
}

# Waits for readiness of SERVICE, whether started now or by an earlier run.
await_service() {
  local service="$1" pid url
  pid="$(running_pid "${service}" "$(service_jar "${service}")")" \
    || die "${service} is not running; see ${LOG_DIR}/${service}.log"
  url="$(ready_url "${service}")"
  wait_until "${SERVICE_TIMEOUT}" "${pid}" "${service}" "${LOG_DIR}/${service}.log" http_ok "${url}"
  log "${service} ready (pid ${pid}, ${url})"
}

# ---------------------------------------------------------------------------------------------------
# Every API call needs a tenant's key. The local run has one tenant, "demo", whose key the command line
# creates once (metal keys create: Redis keeps only its hash) and keeps in the run folder, readable by you only.
ensure_demo_key() {
  local cli="$1" key_file="$2"
  [[ -s "${key_file}" ]] && return 0
  log "creating the API key of tenant demo (metal keys create --tenant demo) in ${key_file}"
  (
    umask 077
    OPT_OUT_TRACKING=true DJL_OFFLINE=true java -Dai.djl.offline=true -jar "${cli}" \
      keys create --tenant demo --redis "${REDIS_URL}" >"${key_file}.tmp"
  ) || die "could not create the demo API key (output above)"
  mv -f "${key_file}.tmp" "${key_file}"
}

# HOOK: runs once everything is ready (also on a repeated start): makes sure the demo tenant has a key, then
# runs the sample task through the gateway's API with it. Keep it idempotent.
after_start() {
  local cli="${METAL_ROOT}/trainer/target/quarkus-app/quarkus-run.jar" key_file="${RUN_DIR}/demo-api-key" api
  api="http://127.0.0.1:$(service_port gateway)"
  if [[ ! -f "${cli}" ]]; then
    [[ "${METAL_NO_SAMPLE:-0}" == "1" ]] && { warn "the command line (${cli}) is not built: no demo API key"; return 0; }
    die "the command line (${cli}) is not built: run deploy/local/start.sh --build"
  fi
  ensure_demo_key "${cli}" "${key_file}"
  log "API key of tenant demo in ${key_file}; e.g. curl -H \"Authorization: Bearer \$(cat ${key_file})\" ${api}/v1/tasks/ID"
  if [[ "${METAL_NO_SAMPLE:-0}" == "1" ]]; then
    return 0
  fi
  log "sample task: registering dev_000 (16 examples) through the gateway and predicting its test inputs"
  # The key goes through the environment, not the command line (which any local user can read in ps).
  METAL_API_KEY="$(<"${key_file}")" OPT_OUT_TRACKING=true DJL_OFFLINE=true OMP_WAIT_POLICY=PASSIVE \
    java -Dai.djl.offline=true -jar "${cli}" demo --gateway "${api}" \
    --tasks "${METAL_ROOT}/data/tasks.zip" --task dev_000 --seed 100 \
    || die "the sample task failed (output above; service logs in ${LOG_DIR}; a 401 means the key in ${key_file} is revoked or unknown to this Redis: delete the file and start again)"
}
# ---------------------------------------------------------------------------------------------------

main() {
  local build="no"
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --build) build="yes" ;;
      -h | --help)
        usage
        return 0
        ;;
      *)
        usage >&2
        die "unknown argument: $1"
        ;;
    esac
    shift
  done

  trap on_start_exit EXIT
  require_java
  ensure_run_dirs
  cd "${METAL_ROOT}" # services resolve models/ and shared files from the repository root
  local t0 service
  t0="$(now_ms)"
  preflight_ports
  build_if_needed "${build}"
  METAL_NESTED=1 "${METAL_LOCAL_DIR}/infra.sh" start
  for service in "${SERVICES[@]}"; do
    launch_service "${service}"
  done
  for service in "${SERVICES[@]}"; do
    await_service "${service}"
  done
  log "all up in $(elapsed_since "${t0}") s"
  local api ui
  api="http://127.0.0.1:$(service_port gateway)"
  ui="${api}/q/swagger-ui"
  # Quarkus leaves the UI out of packaged apps unless quarkus.swagger-ui.always-include=true (a
  # build-time property of the gateway); say so instead of printing a dead link.
  [[ "$(http_status "${ui}/")" == "200" ]] \
    || ui="${ui} (not in this build: set quarkus.swagger-ui.always-include=true in the gateway)"
  cat <<EOF

  API (gateway)    ${api}
  OpenAPI UI       ${ui}
  OpenAPI document ${api}/q/openapi
  Health, metrics  http://127.0.0.1:$(management_port gateway)/q/health, /q/metrics (gateway; prompt-generator $(management_port prompt-generator), inference-worker $(management_port inference-worker))
  Kafka            ${KAFKA_BOOTSTRAP} (security: ${KAFKA_SECURITY})
  Redis            ${REDIS_URL}
  Logs             ${LOG_DIR}/
  Stop             deploy/local/stop.sh

EOF
  after_start
}

main "$@"
