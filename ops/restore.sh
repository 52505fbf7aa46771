#!/bin/sh
# Restore a backup made by ops/backup.sh: the database (pg_restore --clean, in
# one transaction), then the private media, then check every evidence and raw
# submission file against its recorded SHA-256 (manage.py verify_evidence_files).
#
#   ops/restore.sh --compose [--yes] [--no-verify] BACKUP_DIR
#   ops/restore.sh [--database-url URL] [--media-dir DIR] [--no-verify] BACKUP_DIR
#
# --compose stops web, the workers and beat first, restores into the postgres
# service and the private-media volume, verifies, and starts the deployment
# again (migrate runs first, as on every start); it asks before replacing the
# database unless --yes. Without --compose nothing is stopped: stop whatever
# writes to that database and directory yourself. Files in the media directory
# that are not in the backup are left alone (no row refers to them).
# Exits non-zero, with the deployment left stopped, if the backup's checksums
# or the restored files do not match.
set -eu

usage() {
    cat >&2 <<'USAGE'
usage: ops/restore.sh --compose [--yes] [--no-verify] BACKUP_DIR
       ops/restore.sh [--database-url URL] [--media-dir DIR] [--no-verify] BACKUP_DIR
USAGE
    exit 2
}

. "$(dirname -- "$0")/common.sh"
parse_args "$@"

[ -f "$DIR/$SUMS_FILE" ] || die "$DIR/$SUMS_FILE not found: not a backup made by ops/backup.sh"
say "checking the backup's checksums"
(cd -- "$DIR" && sha256_check "$SUMS_FILE") >&2

WRITERS="web worker worker-archive beat"
if [ "$MODE" = compose ]; then
    if [ "$ASSUME_YES" = 0 ]; then
        [ -t 0 ] || die "restoring replaces the deployment's database and files: pass --yes to confirm"
        printf 'Replace the database and private media of this deployment with %s? [y/N] ' "$DIR" >&2
        read -r answer
        case $answer in y | Y | yes) ;; *) die "nothing restored" ;; esac
    fi
    say "stopping $WRITERS"
    # shellcheck disable=SC2086 # a list of service names
    $COMPOSE stop $WRITERS
    $COMPOSE up -d --wait postgres
else
    mkdir -p -- "$MEDIA_DIR"
fi

say "restoring the database"
# --no-owner/--no-acl: objects belong to whoever restores, so a backup can go
# to a server with another user name. One transaction: all or nothing.
pg_tool pg_restore --clean --if-exists --no-owner --no-acl --single-transaction <"$DIR/$DUMP_FILE"

say "restoring the private media"
media_tar -xzf - --no-same-owner <"$DIR/$MEDIA_FILE"

if [ "$VERIFY" = 1 ]; then
    say "verifying evidence and submission files"
    if ! manage verify_evidence_files; then
        [ "$MODE" = direct ] || say "the deployment is left stopped"
        die "restored files do not match the database (listed above)"
    fi
fi

if [ "$MODE" = compose ]; then
    say "starting the deployment"
    $COMPOSE up -d
    say "restored; check: $COMPOSE ps, and /healthz once the workers report"
else
    say "restored into the database and $MEDIA_DIR"
fi
