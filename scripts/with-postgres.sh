#!/usr/bin/env bash
# Run a command against a throwaway PostgreSQL cluster: initdb + pg_ctl on a free port,
# DATABASE_URL exported for the command, everything removed afterwards.
set -euo pipefail

find_bin() {
  command -v "$1" 2>/dev/null && return
  ls -d /usr/lib/postgresql/*/bin/"$1" 2>/dev/null | sort -V | tail -n 1
}
INITDB=$(find_bin initdb)
PG_CTL=$(find_bin pg_ctl)
if [ -z "$INITDB" ] || [ -z "$PG_CTL" ]; then
  echo "PostgreSQL introuvable (initdb, pg_ctl) : lancez « make system-deps »." >&2
  exit 2
fi

WORK=$(mktemp -d /tmp/passeport-pg.XXXXXX)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
AS=()
if [ "$(id -u)" = "0" ]; then
  # initdb refuses to run as root: the cluster belongs to the postgres system user.
  id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
  chown postgres "$WORK"
  AS=(runuser -u postgres --)
fi

cleanup() {
  "${AS[@]}" "$PG_CTL" -D "$WORK/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

"${AS[@]}" "$INITDB" -D "$WORK/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
"${AS[@]}" "$PG_CTL" -D "$WORK/data" -l "$WORK/postgres.log" -w \
  -o "-p $PORT -k $WORK -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100" \
  start >/dev/null

"$(find_bin createdb)" -h 127.0.0.1 -p "$PORT" -U postgres passeport
export DATABASE_URL="postgresql://postgres@127.0.0.1:$PORT/passeport"
echo "PostgreSQL de test prêt sur le port $PORT ($WORK)." >&2
"$@"
