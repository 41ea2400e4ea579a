#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for schemagen's tests.
#
#   bash scripts/pg.sh start   # initdb (first time) and start; does nothing if already running
#   bash scripts/pg.sh stop    # fast shutdown; fine if not running
#   bash scripts/pg.sh env     # prints `export PGHOST=... PGPORT=... PGUSER=postgres`
#   bash scripts/pg.sh status  # exit 0 if running
#
# The cluster lives in <repo>/target/pg (data/, sock/, log), listens on a unix socket only
# (listen_addresses=''), port 54329 or $SCHEMAGEN_PG_PORT, trust auth, superuser "postgres",
# durability off (fsync, synchronous_commit, full_page_writes). When run as root the server
# runs as the `postgres` user; if that user cannot reach <repo>/target (e.g. the repo is under
# /root), or the socket path would be too long, the cluster goes to
# /tmp/schemagen-pg-$UID-<hash of repo path> instead.
set -euo pipefail

# runuser lives in /usr/sbin, which a minimal PATH (e.g. CI's) may lack.
export PATH="$PATH:/usr/sbin:/sbin"

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PORT=${SCHEMAGEN_PG_PORT:-54329}
CMD=${1:-}

die() { echo "pg.sh: $*" >&2; exit 1; }
note() { echo "pg.sh: $*" >&2; }

case "$PORT" in ''|*[!0-9]*) die "SCHEMAGEN_PG_PORT must be a number, got '$PORT'";; esac

# Newest installed server.
BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1 || true)
if [ -z "$BIN" ] || [ ! -x "$BIN/pg_ctl" ]; then
  if command -v pg_ctl >/dev/null 2>&1; then
    BIN=$(dirname "$(command -v pg_ctl)")
  elif [ "$CMD" = start ]; then
    die "no PostgreSQL server found (looked in /usr/lib/postgresql/*/bin and PATH); run scripts/setup.sh"
  fi
fi

AS_ROOT=0
[ "$(id -u)" -eq 0 ] && AS_ROOT=1
if [ "$AS_ROOT" = 1 ] && ! id postgres >/dev/null 2>&1; then
  die "running as root but there is no 'postgres' user (initdb refuses root); run scripts/setup.sh"
fi

# Run a command as the user that owns the cluster.
as_pg() {
  if [ "$AS_ROOT" = 1 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# Where the cluster lives.
fallback_dir() {
  local h
  h=$(printf '%s' "$ROOT" | sha256sum | cut -c1-12)
  echo "/tmp/schemagen-pg-$(id -u)-$h"
}
choose_dir() {
  local d="$ROOT/target/pg"
  # Unix socket paths are limited to 107 bytes: "<sock>/.s.PGSQL.<port>".
  if [ $(( ${#d} + 22 )) -gt 100 ]; then
    fallback_dir; return
  fi
  if [ "$AS_ROOT" = 1 ]; then
    mkdir -p "$ROOT/target" 2>/dev/null || { fallback_dir; return; }
    if ! runuser -u postgres -- test -x "$ROOT/target"; then
      fallback_dir; return
    fi
  fi
  echo "$d"
}
PGDIR=$(choose_dir)
if [ "$PGDIR" != "$ROOT/target/pg" ] && [ "$CMD" = start ]; then
  note "$ROOT/target/pg is not usable (not reachable by user postgres, or socket path too long): cluster in $PGDIR"
fi
DATA=$PGDIR/data
SOCK=$PGDIR/sock
LOG=$PGDIR/log

is_running() {
  [ -f "$DATA/PG_VERSION" ] && as_pg "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1
}

prepare_dir() {
  mkdir -p "$PGDIR" "$SOCK"
  if [ "$AS_ROOT" = 1 ]; then
    if [ "$(stat -c %U "$PGDIR")" != postgres ] || { [ -e "$DATA" ] && [ "$(stat -c %U "$DATA")" != postgres ]; }; then
      chown -R postgres:postgres "$PGDIR"
    fi
    chown postgres:postgres "$PGDIR" "$SOCK"
    runuser -u postgres -- test -w "$PGDIR" || die "user postgres cannot write $PGDIR"
  fi
}

write_conf() {
  # Regenerated at every start so a moved cluster or a changed script still takes effect.
  local conf="$DATA/schemagen.conf"
  as_pg tee "$conf" >/dev/null <<CONF
# Written by scripts/pg.sh at every start; edit the script, not this file.
listen_addresses = ''
unix_socket_directories = '$SOCK'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
log_min_messages = warning
log_statement = 'none'
CONF
  # One role signs in with a password, so that the tests can give it a wrong one; every
  # other connection stays trusted. pg_hba.conf is read at start: this line is first.
  local hba="$DATA/pg_hba.conf"
  if ! grep -q "^local all schemagen_password scram-sha-256" "$hba"; then
    { echo "local all schemagen_password scram-sha-256"; as_pg cat "$hba"; } | as_pg tee "$hba.new" >/dev/null
    as_pg mv "$hba.new" "$hba"
  fi
  if ! grep -q "^include_if_exists = 'schemagen.conf'" "$DATA/postgresql.conf"; then
    echo "include_if_exists = 'schemagen.conf'" | as_pg tee -a "$DATA/postgresql.conf" >/dev/null
  fi
}

start() {
  prepare_dir
  # One start at a time (parallel test processes may all call `start`).
  exec 9>>"$PGDIR/.lock"
  flock 9
  if is_running; then
    return 0
  fi
  local want_major
  want_major=$("$BIN/pg_ctl" --version | sed -E 's/.* ([0-9]+)(\.[0-9]+)?.*/\1/')
  if [ -f "$DATA/PG_VERSION" ] && [ "$(cat "$DATA/PG_VERSION")" != "$want_major" ]; then
    note "cluster in $DATA is version $(cat "$DATA/PG_VERSION"), server is $want_major: re-creating it"
    rm -rf "$DATA"
  fi
  if [ ! -f "$DATA/PG_VERSION" ]; then
    rm -rf "$DATA"
    note "initdb $DATA ($BIN)"
    as_pg "$BIN/initdb" -D "$DATA" --auth=trust -U postgres --encoding=UTF8 --locale=C \
      --no-sync >"$PGDIR/initdb.log" 2>&1 || { cat "$PGDIR/initdb.log" >&2; die "initdb failed"; }
  fi
  write_conf
  if ! as_pg "$BIN/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 -o "-p $PORT" start >/dev/null 9>&-; then
    tail -n 30 "$LOG" >&2 || true
    die "could not start PostgreSQL (log: $LOG)"
  fi
  note "PostgreSQL running: socket $SOCK, port $PORT"
}

stop() {
  if is_running; then
    as_pg "$BIN/pg_ctl" -D "$DATA" -m fast -w -t 60 stop >/dev/null
    note "PostgreSQL stopped ($DATA)"
  fi
  return 0
}

print_env() {
  local host=$SOCK port=$PORT
  # If running, report what the server really uses (postmaster.pid lines 4: port, 5: socket dir).
  if [ -f "$DATA/postmaster.pid" ] && is_running; then
    port=$(sed -n 4p "$DATA/postmaster.pid")
    local s
    s=$(sed -n 5p "$DATA/postmaster.pid")
    [ -n "$s" ] && host=$s
  fi
  printf 'export PGHOST=%q\n' "$host"
  printf 'export PGPORT=%q\n' "$port"
  echo 'export PGUSER=postgres'
}

case "$CMD" in
  start) start ;;
  stop) stop ;;
  env) print_env ;;
  status)
    if is_running; then echo "running ($DATA)"; else echo "not running ($DATA)"; exit 3; fi ;;
  *) die "usage: scripts/pg.sh start|stop|env|status" ;;
esac
