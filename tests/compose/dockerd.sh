#!/usr/bin/env bash
# A Docker engine and docker-compose for the compose tests: uses the engine
# that answers, else installs Debian's docker.io (and docker-compose) when
# missing and starts dockerd in the background, logging to $DOCKERD_LOG.
set -euo pipefail
DOCKERD_LOG=${DOCKERD_LOG:-/tmp/tracker-dockerd.log}
missing=""
command -v docker-compose >/dev/null || missing="$missing docker-compose"
command -v dockerd >/dev/null || missing="$missing docker.io"
command -v debootstrap >/dev/null || missing="$missing debootstrap"
if [ -n "$missing" ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
fi
docker info >/dev/null 2>&1 && exit 0
echo "dockerd: starting a Docker engine (log: $DOCKERD_LOG)" >&2
nohup dockerd >"$DOCKERD_LOG" 2>&1 &
for _ in $(seq 60); do
    docker info >/dev/null 2>&1 && exit 0
    sleep 1
done
echo "dockerd: no Docker engine after 60 s; see $DOCKERD_LOG" >&2
tail -20 "$DOCKERD_LOG" >&2
exit 1
