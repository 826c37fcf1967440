# shellcheck shell=bash
# Shared helpers for deploy/local/*.sh (sourced, not executed).
# Everything a local run writes lives under ONE folder: $METAL_RUN_DIR (default <repo>/.run).
#
# Variables below are used by the scripts that source this file; the bash -c '...' snippets get
# their values as positional arguments on purpose.
# shellcheck disable=SC2034,SC2016

# Command substitutions fail like any other command (bash >= 4.4; Debian ships 5.x).
shopt -s inherit_errexit

METAL_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
METAL_LOCAL_DIR="${METAL_ROOT}/deploy/local"
RUN_DIR="${METAL_RUN_DIR:-${METAL_ROOT}/.run}"
LOG_DIR="${RUN_DIR}/logs"
PID_DIR="${RUN_DIR}/pids"

KAFKA_PORT="${METAL_KAFKA_PORT:-19092}"
KAFKA_CONTROLLER_PORT="${METAL_KAFKA_CONTROLLER_PORT:-19093}"
REDIS_PORT="${METAL_REDIS_PORT:-16379}"
KAFKA_BOOTSTRAP="127.0.0.1:${KAFKA_PORT}"

# Topologies (deploy/local/README.md, "Clusters"): METAL_REDIS_MODE single (default) | cluster (3 masters + 3
# replicas) | sentinel (a master, 2 replicas, 3 Sentinels); METAL_KAFKA_BROKERS 1 (default) | 3 (three KRaft
# controller+broker JVMs, topics with replication factor 3 and min.insync.replicas=2).
REDIS_MODE="${METAL_REDIS_MODE:-single}"
REDIS_CLUSTER_PORT="${METAL_REDIS_CLUSTER_PORT:-17000}"     # nodes on 17000..17005
REDIS_SENTINEL_DATA_PORT="${METAL_REDIS_SENTINEL_DATA_PORT:-17100}"   # master 17100, replicas 17101..17102
REDIS_SENTINEL_PORT="${METAL_REDIS_SENTINEL_PORT:-17200}"   # Sentinels on 17200..17202
REDIS_SENTINEL_MASTER="metal"
case "${REDIS_MODE}" in
  single) REDIS_URL="redis://127.0.0.1:${REDIS_PORT}" ;;
  cluster)
    REDIS_URL=""
    for ((i = 0; i < 6; i++)); do REDIS_URL+="${REDIS_URL:+,}redis://127.0.0.1:$((REDIS_CLUSTER_PORT + i))"; done
    ;;
  sentinel)
    REDIS_URL="redis-sentinel://127.0.0.1:${REDIS_SENTINEL_PORT},127.0.0.1:$((REDIS_SENTINEL_PORT + 1)),127.0.0.1:$((REDIS_SENTINEL_PORT + 2))/0#${REDIS_SENTINEL_MASTER}"
    ;;
  *)
    printf 'METAL_REDIS_MODE must be single, cluster or sentinel, not %s\n' "${REDIS_MODE}" >&2
    exit 2
    ;;
esac
KAFKA_BROKERS="${METAL_KAFKA_BROKERS:-1}"
KAFKA_CLUSTER_PORT="${METAL_KAFKA_CLUSTER_PORT:-19192}"              # brokers on 19192..19194
KAFKA_CLUSTER_CONTROLLER_PORT="${METAL_KAFKA_CLUSTER_CONTROLLER_PORT:-19292}"   # controllers on 19292..19294
case "${KAFKA_BROKERS}" in
  1) ;;
  3) KAFKA_BOOTSTRAP="127.0.0.1:${KAFKA_CLUSTER_PORT},127.0.0.1:$((KAFKA_CLUSTER_PORT + 1)),127.0.0.1:$((KAFKA_CLUSTER_PORT + 2))" ;;
  *)
    printf 'METAL_KAFKA_BROKERS must be 1 or 3, not %s\n' "${KAFKA_BROKERS}" >&2
    exit 2
    ;;
esac

# Kafka security: "none" (PLAINTEXT, the default) or "scram" (SASL/SCRAM listeners, ACLs from
# deploy/kafka-acls.conf, one principal per service). Each mode has its own broker folder; see deploy/local/README.md.
KAFKA_SECURITY="${METAL_KAFKA_SECURITY:-none}"
case "${KAFKA_SECURITY}" in
  none) KAFKA_DIR="${RUN_DIR}/kafka" ;;
  scram) KAFKA_DIR="${RUN_DIR}/kafka-scram" ;;
  *)
    printf 'METAL_KAFKA_SECURITY must be none or scram, not %s\n' "${KAFKA_SECURITY}" >&2
    exit 2
    ;;
esac
# Passwords and client configs of the secured mode's principals (KafkaSecurity.java writes them, mode 600).
KAFKA_CREDENTIALS="${RUN_DIR}/kafka-scram/credentials"

# Seconds to wait for a process to become ready, and for it to exit after SIGTERM.
INFRA_TIMEOUT="${METAL_INFRA_TIMEOUT:-60}"
SERVICE_TIMEOUT="${METAL_SERVICE_TIMEOUT:-120}"
STOP_TIMEOUT="${METAL_STOP_TIMEOUT:-30}"

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*"; }
warn() { printf '[%s] WARNING: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() {
  printf '[%s] ERROR: %s\n' "$(date +%H:%M:%S)" "$*" >&2
  exit 1
}

# have CMD: CMD is on PATH and executable (bash's `command -v` also reports non-executable files).
have() {
  local path
  path="$(command -v "$1" 2>/dev/null)" && [[ -x "${path}" && -f "${path}" ]]
}

# on_start_exit: EXIT trap of the start commands; on failure, says what to do with what runs.
# METAL_NESTED=1 (set by start.sh for infra.sh) keeps the hint from being printed twice.
on_start_exit() {
  local rc=$?
  if ((rc != 0)) && [[ -z "${METAL_NESTED:-}" ]]; then
    warn "start failed; whatever already started keeps running for inspection (logs in ${LOG_DIR}/); deploy/local/stop.sh stops it"
  fi
  return "${rc}"
}

ensure_run_dirs() {
  mkdir -p "${LOG_DIR}" "${PID_DIR}"
}

require_java() {
  have java || die "java not found on PATH (Java 17 or newer is required)"
  local version
  version="$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p')"
  if [[ -z "${version}" || "${version%%.*}" -lt 17 ]]; then
    die "Java 17 or newer is required, found java.specification.version='${version}'"
  fi
}

# pid_of NAME: prints the PID recorded in $PID_DIR/NAME.pid (nothing if there is no readable one).
pid_of() {
  local file="${PID_DIR}/$1.pid" pid=""
  if [[ -r "${file}" ]]; then
    read -r pid <"${file}" || true
  fi
  [[ "${pid}" =~ ^[0-9]+$ ]] && printf '%s\n' "${pid}"
  return 0
}

# pid_alive PID: the process exists and is not a zombie (an orphan's zombie lingers until PID 1 reaps
# it, and kill -0 still succeeds on it).
pid_alive() {
  local stat
  kill -0 "$1" 2>/dev/null || return 1
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
  stat="${stat##*) }"
  [[ "${stat:0:1}" != "Z" ]]
}

# now_ms: wall clock in milliseconds (bash 5 EPOCHREALTIME).
now_ms() {
  local t="${EPOCHREALTIME/[.,]/}"
  printf '%s\n' "$((t / 1000))"
}

# elapsed_since MS: seconds with one decimal since now_ms printed MS.
elapsed_since() {
  local d=$(($(now_ms) - $1))
  printf '%d.%d' "$((d / 1000))" "$(((d % 1000) / 100))"
}

# pid_matches PID MARKER: the process exists and its command line contains MARKER.
# Guards against a stale PID file whose number was reused by an unrelated process.
pid_matches() {
  local pid="$1" marker="$2" cmdline
  pid_alive "${pid}" || return 1
  cmdline="$({ tr '\0' ' ' <"/proc/${pid}/cmdline"; } 2>/dev/null)" || return 1
  [[ "${cmdline}" == *"${marker}"* ]]
}

# running_pid NAME MARKER: prints the PID if NAME runs; removes a stale PID file.
running_pid() {
  local name="$1" marker="$2" pid
  pid="$(pid_of "${name}")"
  [[ -n "${pid}" ]] || return 1
  if pid_matches "${pid}" "${marker}"; then
    printf '%s\n' "${pid}"
    return 0
  fi
  rm -f "${PID_DIR}/${name}.pid"
  return 1
}

# pids_with_marker MARKER: every live process (other than this shell) whose command line contains
# MARKER. Finds our processes even when a PID file was lost; markers hold absolute paths of this
# checkout's run folder or jars, so other checkouts' processes never match.
pids_with_marker() {
  local marker="$1" dir pid cmdline
  for dir in /proc/[0-9]*; do
    pid="${dir#/proc/}"
    [[ "${pid}" != "$$" && "${pid}" != "${BASHPID}" ]] || continue
    cmdline="$({ tr '\0' ' ' <"${dir}/cmdline"; } 2>/dev/null)" || continue
    [[ "${cmdline}" == *"${marker}"* ]] || continue
    pid_alive "${pid}" && printf '%s\n' "${pid}"
  done
  return 0
}

# adopt_pid NAME MARKER: like running_pid, but when the PID file is missing or stale, finds a
# process carrying MARKER (this checkout's jar or config path) and records it again.
adopt_pid() {
  local name="$1" marker="$2" pid
  if pid="$(running_pid "${name}" "${marker}")"; then
    printf '%s\n' "${pid}"
    return 0
  fi
  pid=""
  read -r pid < <(pids_with_marker "${marker}") || true
  [[ -n "${pid}" ]] || return 1
  printf '%s\n' "${pid}" >"${PID_DIR}/${name}.pid"
  printf '%s\n' "${pid}"
}

# stop_all NAME MARKER: stops the process of NAME's PID file and any other one carrying MARKER.
stop_all() {
  local name="$1" marker="$2" pid found=no
  local -a pids=()
  if pid="$(running_pid "${name}" "${marker}")"; then
    pids+=("${pid}")
  fi
  while read -r pid; do
    [[ -n "${pid}" && " ${pids[*]} " != *" ${pid} "* ]] && pids+=("${pid}")
  done < <(pids_with_marker "${marker}")
  for pid in "${pids[@]}"; do
    stop_pid "${name}" "${pid}"
    found=yes
  done
  [[ "${found}" == yes ]] || log "${name} not running"
  rm -f "${PID_DIR}/${name}.pid"
}

# port_open PORT: something accepts TCP connections on 127.0.0.1:PORT.
port_open() {
  timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"' _ "$1" 2>/dev/null
}

require_free_port() {
  local port="$1" what="$2"
  if port_open "${port}"; then
    die "port ${port} (${what}) is already in use by another process; free it or choose another port (see deploy/local/README.md)"
  fi
}

# rotate_log FILE: keep the previous run's log as FILE.1 so each start has a clean log to wait on.
rotate_log() {
  [[ -s "$1" ]] && mv -f "$1" "$1.1"
  : >"$1"
}

# log_hint FILE: the last lines of a log, for failure messages.
log_hint() {
  printf -- '--- last lines of %s ---\n' "$1" >&2
  tail -n 20 "$1" >&2 2>/dev/null || true
  printf -- '--- end of %s ---\n' "$1" >&2
}

# wait_until TIMEOUT PID DESCRIPTION LOGFILE CHECK...: polls CHECK (a command) every 0.5 s until it
# succeeds. Fails fast, naming the log, when PID dies or TIMEOUT seconds pass. PID may be "-" when
# there is no process to watch.
wait_until() {
  local timeout_s="$1" pid="$2" what="$3" logfile="$4"
  shift 4
  local deadline=$((SECONDS + timeout_s))
  while ! "$@"; do
    if [[ "${pid}" != "-" ]] && ! pid_alive "${pid}"; then
      log_hint "${logfile}"
      die "${what} exited during startup; see ${logfile}"
    fi
    if ((SECONDS >= deadline)); then
      log_hint "${logfile}"
      die "${what} not ready after ${timeout_s} s; see ${logfile}"
    fi
    sleep 0.5
  done
}

# http_status URL: prints the HTTP status code (000 when nothing answers). Uses curl when present,
# otherwise a plain HTTP/1.0 request over bash's /dev/tcp (a fresh Debian may have no curl).
# METAL_NO_CURL=1 forces the /dev/tcp path.
http_status() {
  local url="$1"
  if [[ -z "${METAL_NO_CURL:-}" ]] && have curl; then
    curl -s -o /dev/null -m 3 -w '%{http_code}' "${url}" 2>/dev/null || true
    return 0
  fi
  local rest="${url#http://}" hostport path host port status
  hostport="${rest%%/*}"
  path="/${rest#*/}"
  [[ "${rest}" == */* ]] || path="/"
  host="${hostport%%:*}"
  port="${hostport##*:}"
  [[ "${port}" != "${hostport}" ]] || port=80
  status="$(timeout 3 bash -c '
      exec 3<>"/dev/tcp/$1/$2" || exit 1
      printf "GET %s HTTP/1.0\r\nHost: %s:%s\r\nConnection: close\r\n\r\n" "$3" "$1" "$2" >&3
      IFS=" " read -r _ code _ <&3 && printf "%s" "${code}"
    ' _ "${host}" "${port}" "${path}" 2>/dev/null)" || true
  printf '%s' "${status:-000}"
}

http_ok() {
  [[ "$(http_status "$1")" == "200" ]]
}

# stop_pid NAME PID: SIGTERM, wait up to STOP_TIMEOUT s, then SIGKILL; removes the PID file.
stop_pid() {
  local name="$1" pid="$2" t0
  t0="$(now_ms)"
  log "stopping ${name} (pid ${pid})"
  kill -TERM "${pid}" 2>/dev/null || true
  while pid_alive "${pid}"; do
    if (($(now_ms) - t0 >= STOP_TIMEOUT * 1000)); then
      warn "${name} (pid ${pid}) still running after ${STOP_TIMEOUT} s; sending SIGKILL"
      kill -KILL "${pid}" 2>/dev/null || true
      sleep 0.5
      break
    fi
    sleep 0.1
  done
  rm -f "${PID_DIR}/${name}.pid"
  if pid_alive "${pid}"; then
    die "${name} (pid ${pid}) survived SIGKILL"
  fi
  log "${name} stopped in $(elapsed_since "${t0}") s"
}
