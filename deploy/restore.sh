#!/usr/bin/env bash
# Restore a backup made by backup.sh into the database and data dir of the env file.
#
#   systemctl stop ionode
#   restore.sh [--force] /var/backups/ionode/ionode-<UTC time>
#   systemctl start ionode        # migrates the restored database on start
#
# Without --force it refuses to replace an existing database or a different secret_key.
# For PostgreSQL, restore into an empty database (createdb) when you can: --force drops
# and recreates the backup's tables but leaves any other table in place.
set -euo pipefail
umask 077
. "$(dirname "$0")/lib.sh"

force=no
src=
for arg in "$@"; do
  case $arg in
    --force) force=yes ;;
    -*) die "unknown option $arg (usage: restore.sh [--force] BACKUP_DIR)" ;;
    *) [ -z "$src" ] || die "give one backup directory"; src=$arg ;;
  esac
done
[ -n "$src" ] || die "usage: restore.sh [--force] BACKUP_DIR"
[ -d "$src" ] || die "$src is not a backup directory"

load_env_file "${IONODE_ENV_FILE:-/etc/ionode/ionode.env}"
resolve_database

# Replacing the database under a running node would corrupt it.
if command -v systemctl >/dev/null 2>&1 &&
  systemctl is-active --quiet "${IONODE_SERVICE:-ionode.service}" 2>/dev/null; then
  die "the node is running: systemctl stop ionode first"
fi

[ -f "$src/SHA256SUMS" ] || die "$src has no SHA256SUMS: not a complete backup"
(cd "$src" && sha256sum --check --quiet --strict SHA256SUMS) ||
  die "files in $src do not match SHA256SUMS"

# Every refusal comes before the first change, so a refused restore changes nothing.
if [ "$DB_KIND" = sqlite ]; then
  [ -f "$src/ionode.sqlite3" ] || die "$src holds no SQLite database (a PostgreSQL backup?)"
  if [ -e "$DB_PATH" ] && [ "$force" = no ]; then
    die "$DB_PATH exists; add --force to replace it"
  fi
else
  [ -f "$src/ionode.pgdump" ] || die "$src holds no PostgreSQL dump (a SQLite backup?)"
  if ! command -v pg_restore >/dev/null || ! command -v psql >/dev/null; then
    die "pg_restore and psql are needed (apt install postgresql-client)"
  fi
  tables=$(psql --no-psqlrc --dbname="$DB_URL" --tuples-only --no-align --command \
    "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()")
  if [ "$tables" != 0 ] && [ "$force" = no ]; then
    die "the database already has $tables tables; add --force to replace them"
  fi
fi
if [ -f "$src/secret_key" ] && [ -e "$DATA_DIR/secret_key" ] && [ "$force" = no ] &&
  ! cmp -s "$src/secret_key" "$DATA_DIR/secret_key"; then
  die "$DATA_DIR/secret_key exists and differs; add --force to replace it"
fi

# Files restored by root are handed to the owner of the data directory (the ionode user).
mkdir -p "$DATA_DIR"
hand_over() {
  if [ "$(id -u)" = 0 ]; then chown "$(stat -c %u:%g "$DATA_DIR")" "$@"; fi
}

if [ "$DB_KIND" = sqlite ]; then
  mkdir -p "$(dirname "$DB_PATH")"
  tmp="$DB_PATH.restoring"
  trap 'rm -f -- "$tmp"' EXIT
  cp "$src/ionode.sqlite3" "$tmp"
  sqlite_check "$tmp"
  # A -wal left by the old database must never be replayed onto the restored one.
  rm -f -- "$DB_PATH-wal" "$DB_PATH-shm" "$DB_PATH-journal"
  mv -f -- "$tmp" "$DB_PATH"
  hand_over "$DB_PATH"
  echo "restore: $DB_PATH restored from $src" >&2
else
  pg_restore --clean --if-exists --no-owner --no-privileges --single-transaction \
    --exit-on-error --dbname="$DB_URL" "$src/ionode.pgdump"
  echo "restore: PostgreSQL database restored from $src" >&2
fi

if [ -f "$src/secret_key" ]; then
  cp "$src/secret_key" "$DATA_DIR/secret_key"
  chmod 600 "$DATA_DIR/secret_key"
  hand_over "$DATA_DIR/secret_key"
fi

# Actor ids are URLs: a node restored under another IONODE_URL is a different node.
if [ -f "$src/ionode.env" ]; then
  saved=$(sed -n 's/^[[:space:]]*IONODE_URL[[:space:]]*=[[:space:]]*//p' "$src/ionode.env" |
    tr -d "\"' \t\r" | tail -n 1)
  if [ -n "$saved" ] && [ "$saved" != "${IONODE_URL:-}" ]; then
    echo "restore: warning: the backup was made with IONODE_URL=$saved but" \
      "IONODE_URL is now '${IONODE_URL:-}'; set it back before starting the node" >&2
  fi
fi
echo "restore: done; start the node (it applies pending migrations on start)" >&2
