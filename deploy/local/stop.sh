#!/usr/bin/env bash
# Stops what deploy/local/start.sh started: the services (gateway first, so no new work comes in),
# then Kafka and Redis (infra.sh stop). SIGTERM, then SIGKILL after METAL_STOP_TIMEOUT s (30).
# Also stops this checkout's service JVMs whose PID file was lost. Leaves the run folder (data, logs).
#
#   deploy/local/stop.sh
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

SERVICES=(gateway prompt-generator inference-worker)

main() {
  [[ $# -eq 0 ]] || { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 2; }
  ensure_run_dirs
  local service
  for service in "${SERVICES[@]}"; do
    stop_all "${service}" "${METAL_ROOT}/${service}/target/quarkus-app/quarkus-run.jar"
  done
  "${METAL_LOCAL_DIR}/infra.sh" stop
}

main "$@"
