#!/usr/bin/env bash
# Back up an ionode node: database (online, consistent), secret_key and env file.
#
#   backup.sh                      # reads /etc/ionode/ionode.env
#   IONODE_ENV_FILE=... BACKUP_DIR=... BACKUP_KEEP=... backup.sh
#
# Each run writes one directory BACKUP_DIR/ionode-<UTC time>/ holding
#   ionode.sqlite3 or ionode.pgdump   the database (pg_dump --format=custom)
#   secret_key                        IONODE_DATA/secret_key, when the node has one
#   ionode.env                        a copy of the env file, when readable
#   SHA256SUMS                        checked by restore.sh
# and then deletes all but the newest BACKUP_KEEP (default 14) backup directories.
# The database holds every actor's private keys: keep backups as secret as the node.
# Prints the new backup directory on its last line.
set -euo pipefail
umask 077
. "$(dirname "$0")/lib.sh"

ENV_FILE=${IONODE_ENV_FILE:-/etc/ionode/ionode.env}
load_env_file "$ENV_FILE"
BACKUP_DIR=${BACKUP_DIR:-/var/backups/ionode}
BACKUP_KEEP=${BACKUP_KEEP:-14}
[[ $BACKUP_KEEP =~ ^[1-9][0-9]*$ ]] || die "BACKUP_KEEP must be a whole number >= 1"
resolve_database

mkdir -p "$BACKUP_DIR"
# Nanoseconds keep names unique and in time order even for runs in the same second.
stamp=$(date -u +%Y%m%dT%H%M%S%NZ)
final="$BACKUP_DIR/ionode-$stamp"
partial="$BACKUP_DIR/.partial-ionode-$stamp"
mkdir "$partial"
trap 'rm -rf -- "$partial"' EXIT  # a failed run leaves nothing behind

if [ "$DB_KIND" = sqlite ]; then
  [ -f "$DB_PATH" ] || die "database $DB_PATH does not exist (is IONODE_DATABASE/IONODE_DATA right?)"
  sqlite_copy "$DB_PATH" "$partial/ionode.sqlite3"
  sqlite_check "$partial/ionode.sqlite3"
  echo "backup: $DB_PATH copied with the $(sqlite_tool)" >&2
else
  command -v pg_dump >/dev/null || die "pg_dump not found (apt install postgresql-client)"
  # Custom format: compressed, and pg_restore can restore it selectively.
  pg_dump --format=custom --no-owner --dbname="$DB_URL" --file="$partial/ionode.pgdump"
  echo "backup: PostgreSQL database dumped with pg_dump" >&2
fi

if [ -f "$DATA_DIR/secret_key" ]; then
  cp "$DATA_DIR/secret_key" "$partial/secret_key"
fi
if [ -r "$ENV_FILE" ]; then
  cp "$ENV_FILE" "$partial/ionode.env"
fi
(cd "$partial" && sha256sum -- * >SHA256SUMS)

mv -T "$partial" "$final"  # only complete backups get the ionode-* name

# Retention: names sort by time, so everything but the newest BACKUP_KEEP goes.
find "$BACKUP_DIR" -mindepth 1 -maxdepth 1 -type d -name 'ionode-[0-9]*T[0-9]*Z' | sort -r |
  tail -n +"$((BACKUP_KEEP + 1))" |
  while IFS= read -r old; do rm -rf -- "$old"; done

echo "$final"
