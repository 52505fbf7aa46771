#!/bin/sh
# Back up the tracker: its PostgreSQL database and its private media (evidence
# files, raw submissions). Safe while the tracker runs: pg_dump reads one
# consistent snapshot, and the database is dumped before the media are copied,
# so every file the dump refers to (written before its row was committed) is
# already on disk when tar reads the directory.
#
#   ops/backup.sh --compose BACKUP_DIR
#   ops/backup.sh [--database-url URL] [--media-dir DIR] BACKUP_DIR
#
# Writes BACKUP_DIR/tracker.dump (pg_dump custom format),
# BACKUP_DIR/private-media.tar.gz and BACKUP_DIR/SHA256SUMS. BACKUP_DIR must
# not exist yet, or be empty. Redis is not backed up: the database is the
# record, the queues only carry pointers to it. See ops/common.sh for the modes
# and README "Backup and restore".
set -eu

usage() {
    cat >&2 <<'USAGE'
usage: ops/backup.sh --compose BACKUP_DIR
       ops/backup.sh [--database-url URL] [--media-dir DIR] BACKUP_DIR
USAGE
    exit 2
}

. "$(dirname -- "$0")/common.sh"
parse_args "$@"

if [ -e "$DIR" ] && [ -n "$(ls -A -- "$DIR")" ]; then
    die "$DIR is not empty; back up into a new directory"
fi
if [ "$MODE" = direct ] && [ ! -d "$MEDIA_DIR" ]; then
    die "media directory $MEDIA_DIR does not exist"
fi
mkdir -p -- "$DIR"
# Backups hold witnesses' evidence: readable by the owner only.
chmod 700 "$DIR"
umask 077

say "dumping the database"
pg_tool pg_dump --format=custom >"$DIR/$DUMP_FILE"
# A dump that pg_restore cannot list is no backup.
pg_offline pg_restore --list <"$DIR/$DUMP_FILE" >/dev/null

say "archiving the private media"
media_tar -czf - . >"$DIR/$MEDIA_FILE"
tar -tzf "$DIR/$MEDIA_FILE" >/dev/null

(cd -- "$DIR" && sha256_files "$DUMP_FILE" "$MEDIA_FILE" >"$SUMS_FILE")
say "backup written to $DIR:"
(cd -- "$DIR" && ls -l "$DUMP_FILE" "$MEDIA_FILE" "$SUMS_FILE") >&2
