#!/usr/bin/env bash
# Local stand-ins for the three public images docker-compose.yml and the
# Dockerfile name (python:3.11-slim, postgres:15, redis:7), for machines that
# reach Debian's archive but not Docker Hub (our CI). Each is Debian bookworm
# (Python 3.11, PostgreSQL 15, Redis 7.0 from Debian's packages) with an entry
# point that honours what the compose file relies on from the official image:
#   postgres  POSTGRES_USER / POSTGRES_PASSWORD / POSTGRES_DB create the role
#             and database on first start, data in /var/lib/postgresql/data,
#             password authentication from other hosts, pg_isready on PATH;
#   redis     `redis-server ...` as the command, data in /data, reachable from
#             other containers (the official build turns protected mode off);
#   python    python and pip on PATH, pip may install into the system Python.
# The images are tagged with the official names so that the compose file and
# the Dockerfile are used unchanged. A tag that already names an image which is
# not one of these stand-ins (a real pull) is never overwritten.
#
# Usage: tests/compose/standins.sh   (root: debootstrap and dockerd need it)
set -euo pipefail
HERE=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
CACHE=${STANDIN_CACHE:-$HOME/.cache/tracker-standins}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
LABEL=org.attribution-tracker.standin
# The stand-ins are rebuilt when this script or an entry point changes.
VERSION=$(cat "$0" "$HERE"/standin-*.sh | sha256sum | cut -c1-16)

say() { printf 'standins: %s\n' "$*" >&2; }

is_current() {  # tag -> 0 when it is our stand-in of this version
    [ "$(docker image inspect -f "{{ index .Config.Labels \"$LABEL\" }}" "$1" 2>/dev/null)" = "$VERSION" ]
}
may_replace() {  # tag -> 0 when absent or one of our stand-ins
    docker image inspect "$1" >/dev/null 2>&1 || return 0
    [ -n "$(docker image inspect -f "{{ index .Config.Labels \"$LABEL\" }}" "$1")" ]
}

TAGS="python:3.11-slim postgres:15 redis:7"
stale=""
for tag in $TAGS; do
    is_current "$tag" && continue
    may_replace "$tag" || { say "$tag is a real image here; leaving it"; continue; }
    stale="$stale $tag"
done
[ -n "$stale" ] || { say "up to date ($VERSION)"; exit 0; }

mkdir -p "$CACHE"
ROOTFS_TAR=$CACHE/bookworm-$VERSION.tar
if [ ! -s "$ROOTFS_TAR" ]; then
    command -v debootstrap >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null; }
    ROOTFS=$(mktemp -d "$CACHE/rootfs.XXXXXX")
    trap 'rm -rf "$ROOTFS"' EXIT
    say "debootstrap bookworm into $ROOTFS"
    debootstrap --variant=minbase \
        --include=python3,python3-pip,python3-venv,ca-certificates,postgresql-15,redis-server,procps \
        bookworm "$ROOTFS" "$MIRROR" >"$CACHE/debootstrap.log"
    # The official python image lets pip install into its Python, and names it `python`.
    rm -f "$ROOTFS"/usr/lib/python3.*/EXTERNALLY-MANAGED
    ln -sf python3 "$ROOTFS/usr/bin/python"
    # This machine's CA bundle, so pip inside a build trusts what the host trusts.
    cp /etc/ssl/certs/ca-certificates.crt "$ROOTFS/etc/ssl/certs/ca-certificates.crt"
    # No cluster from the package's postinst; the entry point makes its own.
    rm -rf "$ROOTFS"/var/lib/postgresql/15 "$ROOTFS"/etc/postgresql/15
    mkdir -p "$ROOTFS/data" "$ROOTFS/var/lib/postgresql/data" "$ROOTFS/var/run/postgresql"
    chroot "$ROOTFS" chown redis:redis /data
    chroot "$ROOTFS" chown postgres:postgres /var/lib/postgresql/data /var/run/postgresql
    install -m 0755 "$HERE/standin-postgres.sh" "$ROOTFS/usr/local/bin/docker-entrypoint-postgres"
    install -m 0755 "$HERE/standin-redis.sh" "$ROOTFS/usr/local/bin/docker-entrypoint-redis"
    rm -rf "$ROOTFS"/var/cache/apt/archives/*.deb "$ROOTFS"/var/lib/apt/lists/*
    tar -C "$ROOTFS" -cf "$ROOTFS_TAR.tmp" .
    mv "$ROOTFS_TAR.tmp" "$ROOTFS_TAR"
fi

BASE=attribution-tracker-standin/bookworm:$VERSION
docker image inspect "$BASE" >/dev/null 2>&1 || docker import "$ROOTFS_TAR" "$BASE" >/dev/null

build() {  # tag, then Dockerfile lines (metadata only: no layer is added)
    local tag=$1; shift
    case " $stale " in *" $tag "*) ;; *) return 0 ;; esac
    say "tagging $tag"
    printf '%s\n' "FROM $BASE" "LABEL $LABEL=$VERSION" "$@" | docker build -q -t "$tag" - >/dev/null
}
build python:3.11-slim \
    'ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8' \
    'CMD ["python3"]'
build postgres:15 \
    'ENV PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin PGDATA=/var/lib/postgresql/data LANG=C.UTF-8' \
    'ENTRYPOINT ["docker-entrypoint-postgres"]' \
    'CMD ["postgres"]' \
    'EXPOSE 5432'
build redis:7 \
    'WORKDIR /data' \
    'ENTRYPOINT ["docker-entrypoint-redis"]' \
    'CMD ["redis-server"]' \
    'EXPOSE 6379'
say "built$stale ($VERSION)"
