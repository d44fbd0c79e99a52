# Shared by backup.sh and restore.sh (sourced, not run): read the node's env file and
# work out where its database lives, the same way `ionode` does (node/settings.py).
# shellcheck shell=bash

die() {
  echo "${0##*/}: error: $*" >&2
  exit 1
}

# load_env_file FILE: read KEY=VALUE lines the way systemd's EnvironmentFile= does (no
# shell expansion, one pair of surrounding quotes removed). Only IONODE_* and BACKUP_*
# keys are taken, and a variable already set in the environment wins over the file.
load_env_file() {
  local line key value
  [ -e "$1" ] || return 0
  [ -r "$1" ] || die "cannot read $1 (run as root or as the ionode user)"
  while IFS= read -r line || [ -n "$line" ]; do
    [[ $line =~ ^[[:space:]]*((IONODE|BACKUP)_[A-Z0-9_]+)[[:space:]]*=[[:space:]]*(.*)$ ]] || continue
    key=${BASH_REMATCH[1]}
    value=${BASH_REMATCH[3]%"${BASH_REMATCH[3]##*[![:space:]]}"}  # strip trailing blanks
    if [[ $value =~ ^\"(.*)\"$ || $value =~ ^\'(.*)\'$ ]]; then
      value=${BASH_REMATCH[1]}
    fi
    [ -n "${!key+set}" ] || export "$key=$value"
  done <"$1"
}

# resolve_database: set DB_KIND (sqlite|postgresql) and DB_PATH or DB_URL from
# IONODE_DATABASE, defaulting like ionode to sqlite:///$IONODE_DATA/ionode.db.
# shellcheck disable=SC2034  # the variables are read by the scripts that source this
resolve_database() {
  DATA_DIR=${IONODE_DATA:-data}
  local url=${IONODE_DATABASE:-sqlite:///$DATA_DIR/ionode.db}
  case $url in
    sqlite:///* | sqlite+*:///*)
      DB_KIND=sqlite
      DB_PATH=${url#*:///}       # sqlite:////abs/path -> /abs/path, sqlite:///rel -> rel
      DB_PATH=${DB_PATH%%\?*}    # drop ?query options
      if [ -z "$DB_PATH" ] || [ "$DB_PATH" = ":memory:" ]; then die "no database file in $url"; fi
      ;;
    postgres://* | postgresql://* | postgresql+*://*)
      DB_KIND=postgresql
      DB_URL=postgresql://${url#*://}  # libpq does not know SQLAlchemy's +driver suffix
      ;;
    *) die "unsupported IONODE_DATABASE $url (expected sqlite:/// or postgresql://)" ;;
  esac
}

# The sqlite3 command line tool is optional: without it Python's sqlite3 module does the
# same work through the same online backup API. SQLITE3=/nonexistent forces the fallback.
SQLITE3=${SQLITE3:-sqlite3}
PYTHON=${PYTHON:-python3}

have_sqlite_cli() {
  command -v "$SQLITE3" >/dev/null 2>&1
}

# sqlite_copy SRC DEST: a consistent online copy, safe while the node is writing (the
# backup API reads one snapshot, including pages still in the -wal file).
sqlite_copy() {
  if have_sqlite_cli; then
    case $2 in *\'*) die "path must not contain a quote: $2" ;; esac
    "$SQLITE3" "$1" ".timeout 30000" ".backup '$2'"
  else
    "$PYTHON" -c 'import sqlite3, sys
src = sqlite3.connect(sys.argv[1], timeout=30)
dest = sqlite3.connect(sys.argv[2])
src.backup(dest)
dest.close()
src.close()' "$1" "$2"
  fi
}

# sqlite_check FILE: fail unless PRAGMA quick_check says "ok".
sqlite_check() {
  local result
  if have_sqlite_cli; then
    result=$("$SQLITE3" "$1" "PRAGMA quick_check;")
  else
    result=$("$PYTHON" -c 'import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
print(db.execute("PRAGMA quick_check").fetchone()[0])
db.close()' "$1")
  fi
  [ "$result" = ok ] || die "$1 failed its integrity check: $result"
}

sqlite_tool() {
  if have_sqlite_cli; then echo "sqlite3 CLI"; else echo "python sqlite3 module"; fi
}
