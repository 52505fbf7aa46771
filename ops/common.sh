# Shared by ops/backup.sh and ops/restore.sh (sourced, not run).
#
# Two ways to reach the data, with the same steps in both:
#   --compose      the docker compose deployment: pg_dump/pg_restore run in the
#                  postgres service (its own POSTGRES_USER/POSTGRES_DB), the
#                  private-media volume is read and written through a one-off
#                  `web` container, where it is mounted at /data/private-media.
#   (default)      a database URL (--database-url, else $DATABASE_URL) and a
#                  media directory (--media-dir, else $PRIVATE_MEDIA_ROOT), with
#                  the PostgreSQL client tools of this machine ($PG_BIN/, else PATH).
#
# Environment: COMPOSE (default "docker compose"; add -f/-p here), PG_BIN,
# PYTHON (for manage.py in the default mode; default python3).

DUMP_FILE=tracker.dump
MEDIA_FILE=private-media.tar.gz
SUMS_FILE=SHA256SUMS
CONTAINER_MEDIA=/data/private-media
OPS_DIR=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
PROJECT_DIR=$(dirname -- "$OPS_DIR")
COMPOSE=${COMPOSE:-docker compose}

say() { printf '%s: %s\n' "$(basename -- "$0")" "$*" >&2; }
die() { say "$*"; exit 1; }

# Sets MODE (compose|direct), DB_URL, MEDIA_DIR, DIR, VERIFY, ASSUME_YES.
parse_args() {
    MODE=direct
    DB_URL=${DATABASE_URL:-}
    MEDIA_DIR=${PRIVATE_MEDIA_ROOT:-}
    VERIFY=1
    ASSUME_YES=0
    DIR=
    while [ $# -gt 0 ]; do
        case $1 in
            --compose) MODE=compose ;;
            --database-url) [ $# -ge 2 ] || usage; DB_URL=$2; shift ;;
            --database-url=*) DB_URL=${1#*=} ;;
            --media-dir) [ $# -ge 2 ] || usage; MEDIA_DIR=$2; shift ;;
            --media-dir=*) MEDIA_DIR=${1#*=} ;;
            --no-verify) VERIFY=0 ;;
            --yes) ASSUME_YES=1 ;;
            -h|--help) usage ;;
            -*) say "unknown option $1"; usage ;;
            *) [ -z "$DIR" ] || usage; DIR=$1 ;;
        esac
        shift
    done
    [ -n "$DIR" ] || usage
    if [ "$MODE" = direct ]; then
        [ -n "$DB_URL" ] || die "no database: pass --database-url, set DATABASE_URL, or use --compose"
        [ -n "$MEDIA_DIR" ] || die "no media directory: pass --media-dir, set PRIVATE_MEDIA_ROOT, or use --compose"
        # django-environ's other spellings of PostgreSQL; libpq knows only these two.
        case $DB_URL in
            postgres://* | postgresql://*) ;;
            pgsql://* | psql://* | postgis://*) DB_URL="postgresql://${DB_URL#*://}" ;;
            *) die "not a PostgreSQL URL: ${DB_URL%%://*}://..." ;;
        esac
    fi
}

# pg_tool NAME ARGS...: a PostgreSQL client tool against the tracker's database,
# stdin and stdout passed through. In compose mode it runs in the postgres
# service, so its version always matches the server's.
pg_tool() {
    tool=$1
    shift
    if [ "$MODE" = compose ]; then
        # shellcheck disable=SC2016 # expanded inside the container
        $COMPOSE exec -T postgres sh -c 'tool=$1; shift; exec "$tool" -U "$POSTGRES_USER" -d "$POSTGRES_DB" "$@"' sh "$tool" "$@"
    else
        "${PG_BIN:+$PG_BIN/}$tool" --dbname="$DB_URL" "$@"
    fi
}

# pg_offline NAME ARGS...: a client tool that reads a dump without a server (pg_restore --list).
pg_offline() {
    tool=$1
    shift
    if [ "$MODE" = compose ]; then
        $COMPOSE exec -T postgres "$tool" "$@"
    else
        "${PG_BIN:+$PG_BIN/}$tool" "$@"
    fi
}

# media_tar TAR-ARGS...: tar run in the media directory, stdin and stdout passed through.
media_tar() {
    if [ "$MODE" = compose ]; then
        $COMPOSE run --rm --no-deps -T --entrypoint tar web -C "$CONTAINER_MEDIA" "$@"
    else
        tar -C "$MEDIA_DIR" "$@"
    fi
}

# manage ARGS...: a Django management command against the same database and media.
manage() {
    if [ "$MODE" = compose ]; then
        $COMPOSE run --rm --no-deps -T web python manage.py "$@"
    else
        DATABASE_URL=$DB_URL PRIVATE_MEDIA_ROOT=$MEDIA_DIR "${PYTHON:-python3}" "$PROJECT_DIR/manage.py" "$@"
    fi
}

sha256_files() {
    if command -v sha256sum >/dev/null 2>&1; then sha256sum "$@"; else shasum -a 256 "$@"; fi
}

sha256_check() {
    if command -v sha256sum >/dev/null 2>&1; then sha256sum -c "$1"; else shasum -a 256 -c "$1"; fi
}
