# Shared by scripts/run, scripts/test and scripts/svc: starts and stops the real
# services (PostgreSQL 15, Valkey 8, the PHP stand-in) on loopback ports.
# Every function reads and writes state under $RUN_DIR (set by the caller):
#   $RUN_DIR/env         shell-syntax settings of the stack (ports, URLs, secrets)
#   $RUN_DIR/pgdir       path of the throwaway PostgreSQL cluster (lives in /tmp so
#                        the postgres user can traverse it wherever the checkout is)
#   $RUN_DIR/valkey/     Valkey pid, log
#   $RUN_DIR/php/        PHP stand-in pid (process group), log
# shellcheck shell=bash

PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
REPO_ROOT=${REPO_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# A loopback TCP port nobody listens on right now.
free_port() {
  local p
  for _ in $(seq 1 200); do
    p=$(( (RANDOM << 1 | RANDOM & 1) % 30000 + 20000 ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return 0; fi
  done
  echo "free_port: no free port found" >&2; return 1
}

rand_b64() { head -c "${1:-32}" /dev/urandom | base64 -w0; }
rand_hex() { head -c "${1:-16}" /dev/urandom | od -An -tx1 | tr -d ' \n'; }

wait_port() { # host port seconds
  local deadline=$(( $(date +%s) + ${3:-15} ))
  until (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; do
    [ "$(date +%s)" -lt "$deadline" ] || return 1
    sleep 0.05
  done
}

# Writes the settings the services need, once per RUN_DIR. Secrets are random per
# stack and never leave $RUN_DIR.
init_env() {
  mkdir -p "$RUN_DIR"
  [ -f "$RUN_DIR/env" ] && return 0
  local pg_port valkey_port php_port http_port
  pg_port=$(free_port); valkey_port=$(free_port); php_port=$(free_port)
  http_port=${PORT:-$(free_port)}
  umask 077
  cat >"$RUN_DIR/env" <<ENV
# Written by scripts/lib/services.sh: the effective settings of this stack.
export RUN_DIR='$RUN_DIR'
export DB_HOST=127.0.0.1
export DB_PORT=$pg_port
export DB_NAME=asistencia
export DB_USER=asistencia
export DB_PASSWORD=$(rand_hex 16)
export DATABASE_URL="postgresql://\$DB_USER:\$DB_PASSWORD@\$DB_HOST:\$DB_PORT/\$DB_NAME"
export LEGACY_DB_HOST=127.0.0.1
export LEGACY_DB_PORT=$pg_port
export LEGACY_DB_NAME=hawaii
export LEGACY_DB_USER=hawaii
export LEGACY_DB_PASSWORD=$(rand_hex 16)
export LEGACY_DATABASE_URL="postgresql://\$LEGACY_DB_USER:\$LEGACY_DB_PASSWORD@\$LEGACY_DB_HOST:\$LEGACY_DB_PORT/\$LEGACY_DB_NAME"
export REDIS_HOST=127.0.0.1
export REDIS_PORT=$valkey_port
export PHP_PORT=$php_port
export PHP_BASE_URL=http://localhost:$php_port
export PORT=$http_port
export HOST=127.0.0.1
export SERVER_URL=http://localhost:$http_port
export JWT_SECRET=$(rand_hex 32)
export JWT_SECRET_INTERNAL=$(rand_hex 32)
export SERVER_MASTER_KEY=$(rand_b64 32)
export WEBAUTHN_RP_ID=localhost
export WEBAUTHN_ORIGINS=http://localhost:$http_port
export NODE_BASE_URL=http://localhost:$http_port
export WEB_ROOT=$REPO_ROOT/web
ENV
  umask 022
}

load_env() { # shellcheck disable=SC1091
  . "$RUN_DIR/env"
}

# ---------------------------------------------------------------- PostgreSQL
pg_dir() { cat "$RUN_DIR/pgdir"; }

pg_init() {
  load_env
  [ -f "$RUN_DIR/pgdir" ] && [ -d "$(pg_dir)/data" ] && return 0
  local d="$RUN_DIR/pg"
  # The postgres user must traverse every parent folder; a checkout under /root
  # (mode 700) cannot hold the cluster, so fall back to /tmp there.
  mkdir -p "$d"; chmod 755 "$d"
  if ! runuser -u postgres -- test -x "$d"; then
    rm -rf "$d"; d=$(mktemp -d /tmp/asistencia-pg.XXXXXX); chmod 755 "$d"
  fi
  mkdir -p "$d/sock"; chown -R postgres:postgres "$d"
  echo "$d" >"$RUN_DIR/pgdir"
  runuser -u postgres -- "$PGBIN/initdb" -D "$d/data" -U postgres --auth-local=trust \
    --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 --no-sync >"$RUN_DIR/pg-initdb.log" 2>&1 \
    || { cat "$RUN_DIR/pg-initdb.log" >&2; return 1; }
  pg_start || return 1
  runuser -u postgres -- "$PGBIN/psql" -h "$d/sock" -p "$DB_PORT" -U postgres -v ON_ERROR_STOP=1 -q <<SQL || return 1
CREATE ROLE $DB_USER LOGIN PASSWORD '$DB_PASSWORD';
CREATE DATABASE $DB_NAME OWNER $DB_USER;
CREATE ROLE $LEGACY_DB_USER LOGIN PASSWORD '$LEGACY_DB_PASSWORD';
CREATE DATABASE $LEGACY_DB_NAME OWNER $LEGACY_DB_USER;
SQL
  legacy_db_load
}

pg_start() {
  load_env
  local d; d=$(pg_dir)
  [ -f "$d/data/postmaster.pid" ] && kill -0 "$(head -1 "$d/data/postmaster.pid")" 2>/dev/null && return 0
  runuser -u postgres -- "$PGBIN/pg_ctl" -D "$d/data" -l "$d/log" -w -t 30 \
    -o "-p $DB_PORT -k $d/sock -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    start >/dev/null || { tail -20 "$d/log" >&2; return 1; }
}

pg_stop() {
  [ -f "$RUN_DIR/pgdir" ] || return 0
  local d; d=$(pg_dir)
  [ -f "$d/data/postmaster.pid" ] || return 0
  runuser -u postgres -- "$PGBIN/pg_ctl" -D "$d/data" -m fast -w stop >/dev/null 2>&1 || true
}

pg_destroy() {
  pg_stop
  [ -f "$RUN_DIR/pgdir" ] && rm -rf "$(pg_dir)" "$RUN_DIR/pgdir"
  return 0
}

# psql as the superuser over the unix socket (trust); for the scripts and tests.
pg_psql() { load_env; runuser -u postgres -- "$PGBIN/psql" -h "$(pg_dir)/sock" -p "$DB_PORT" -U postgres -v ON_ERROR_STOP=1 "$@"; }

# The PHP stand-in's legacy database: schema and demo data (docker/php-legacy/sql).
legacy_db_load() {
  local f
  for f in "$REPO_ROOT"/docker/php-legacy/sql/*.sql; do
    [ -f "$f" ] || continue
    PGPASSWORD=$LEGACY_DB_PASSWORD psql -h 127.0.0.1 -p "$LEGACY_DB_PORT" -U "$LEGACY_DB_USER" \
      -d "$LEGACY_DB_NAME" -v ON_ERROR_STOP=1 -q -f "$f" >/dev/null || return 1
  done
}

# -------------------------------------------------------------------- Valkey
valkey_start() {
  load_env
  mkdir -p "$RUN_DIR/valkey"
  if [ -f "$RUN_DIR/valkey/valkey.pid" ] && kill -0 "$(cat "$RUN_DIR/valkey/valkey.pid")" 2>/dev/null; then return 0; fi
  valkey-server --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no --daemonize yes \
    --pidfile "$RUN_DIR/valkey/valkey.pid" --logfile "$RUN_DIR/valkey/valkey.log" --dir "$RUN_DIR/valkey" \
    || return 1
  wait_port 127.0.0.1 "$REDIS_PORT" 10 || { tail -20 "$RUN_DIR/valkey/valkey.log" >&2; return 1; }
  local tries=0
  until valkey-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG; do
    tries=$((tries + 1)); [ "$tries" -lt 200 ] || return 1
    sleep 0.05
  done
}

valkey_stop() {
  local pidf="$RUN_DIR/valkey/valkey.pid" pid
  [ -f "$pidf" ] || return 0
  pid=$(cat "$pidf")
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
  rm -f "$pidf"
}

# ------------------------------------------------------------ PHP stand-in
php_start() {
  load_env
  mkdir -p "$RUN_DIR/php"
  local docroot="$REPO_ROOT/docker/php-legacy/www"
  [ -d "$docroot" ] || { log "php stand-in: $docroot not present yet, not started"; return 0; }
  if [ -f "$RUN_DIR/php/php.pid" ] && kill -0 "$(cat "$RUN_DIR/php/php.pid")" 2>/dev/null; then return 0; fi
  local router=()
  [ -f "$REPO_ROOT/docker/php-legacy/router.php" ] && router=("$REPO_ROOT/docker/php-legacy/router.php")
  # setsid: php -S forks workers; the whole process group is stopped together.
  # HAWAII_DEV_LOGIN=1: the stand-in's passwordless login.php, for the dev and test stacks only.
  HAWAII_DEV_LOGIN=1 PHP_CLI_SERVER_WORKERS=4 setsid php -d variables_order=EGPCS -S "127.0.0.1:$PHP_PORT" -t "$docroot" "${router[@]}" \
    >"$RUN_DIR/php/php.log" 2>&1 &
  echo $! >"$RUN_DIR/php/php.pid"
  wait_port 127.0.0.1 "$PHP_PORT" 10 || { tail -20 "$RUN_DIR/php/php.log" >&2; return 1; }
}

php_stop() {
  local pidf="$RUN_DIR/php/php.pid" pid
  [ -f "$pidf" ] || return 0
  pid=$(cat "$pidf")
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
  rm -f "$pidf"
}

# --------------------------------------------------------------------- nginx
# A load balancer in front of several server replicas (tests/integration/replicas): round
# robin (nginx's default, no sticky sessions), WebSocket upgrade, loopback only. The access
# log names the replica that served each request ($upstream_addr), so a test can tell which
# replica took what.
nginx_dir() { echo "$RUN_DIR/nginx"; }

nginx_start() { # listen-port backend-port...
  [ $# -ge 2 ] || { echo "nginx_start: listen-port backend-port..." >&2; return 2; }
  local d listen=$1 p upstreams=''
  shift
  d=$(nginx_dir)
  nginx_stop
  mkdir -p "$d/logs" "$d/tmp"; chmod 777 "$d/tmp" # the worker runs as nobody
  for p in "$@"; do upstreams+="    server 127.0.0.1:$p max_fails=1 fail_timeout=5s;"$'\n'; done
  cat >"$d/nginx.conf" <<CONF
worker_processes 1;
pid $d/nginx.pid;
error_log $d/logs/error.log warn;
events { worker_connections 1024; }
http {
  log_format replicas '\$upstream_addr \$status \$request_method \$uri';
  access_log $d/logs/access.log replicas;
  client_body_temp_path $d/tmp/body; proxy_temp_path $d/tmp/proxy; fastcgi_temp_path $d/tmp/fastcgi;
  uwsgi_temp_path $d/tmp/uwsgi; scgi_temp_path $d/tmp/scgi;
  map \$http_upgrade \$connection_upgrade { default upgrade; '' close; }
  upstream asistencia {
$upstreams  }
  server {
    listen 127.0.0.1:$listen;
    location / {
      proxy_pass http://asistencia;
      proxy_http_version 1.1;
      proxy_set_header Host \$http_host;
      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto \$scheme;
      proxy_set_header Upgrade \$http_upgrade;
      proxy_set_header Connection \$connection_upgrade;
      proxy_connect_timeout 2s;
      proxy_read_timeout 3600s;
      proxy_max_temp_file_size 0;
    }
  }
}
CONF
  local args=(-p "$d" -c "$d/nginx.conf" -e "$d/logs/error.log")
  nginx -t -q "${args[@]}" || return 1
  nginx "${args[@]}" || return 1 # daemonizes; master pid in nginx.pid
  wait_port 127.0.0.1 "$listen" 10 || { tail -20 "$d/logs/error.log" >&2; return 1; }
}

nginx_stop() {
  local d pid
  d=$(nginx_dir)
  [ -f "$d/nginx.pid" ] || return 0
  pid=$(cat "$d/nginx.pid")
  kill -QUIT "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
  kill -0 "$pid" 2>/dev/null && kill -TERM "$pid" 2>/dev/null
  rm -f "$d/nginx.pid"
}

# ----------------------------------------------------------------- all of it
# Stops at the first service that does not start and prints that service's log, so no
# test ever runs against a service that is not there.
service_failed() { # name log-file
  log "$1 did not start; the end of its log ($2):"
  if [ -f "$2" ]; then tail -n 40 "$2" >&2; else log "(no log at $2)"; fi
  return 1
}

services_up() {
  init_env || return 1
  pg_init || { service_failed PostgreSQL "$(cat "$RUN_DIR/pgdir" 2>/dev/null)/log"; return 1; }
  pg_start || { service_failed PostgreSQL "$(pg_dir)/log"; return 1; }
  valkey_start || { service_failed Valkey "$RUN_DIR/valkey/valkey.log"; return 1; }
  php_start || { service_failed "PHP stand-in" "$RUN_DIR/php/php.log"; return 1; }
}

# scripts/run keeps its ports in $RUN_DIR/env across runs; one that another program took
# since then moves to a free port (the stack's own still-running service keeps its port).
port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
pid_alive() { [ -f "$1" ] && kill -0 "$(head -1 "$1")" 2>/dev/null; }
move_port() { # variable-holding-the-port
  local old new names='DB_PORT|LEGACY_DB_PORT|REDIS_PORT|PHP_PORT|PHP_BASE_URL|PORT|SERVER_URL|WEBAUTHN_ORIGINS|NODE_BASE_URL'
  old=${!1}
  new=$(free_port) || return 1
  sed -i -E "/^export ($names)=/ s/([:=])$old\b/\1$new/" "$RUN_DIR/env"
  log "port $old ($1) is taken by another program; moved to $new (saved in $RUN_DIR/env)"
}
reassign_taken_ports() {
  load_env
  local pgpid=/nonexistent
  [ -f "$RUN_DIR/pgdir" ] && pgpid="$(pg_dir)/data/postmaster.pid"
  if port_taken "$DB_PORT" && ! pid_alive "$pgpid"; then move_port DB_PORT || return 1; fi
  if port_taken "$REDIS_PORT" && ! pid_alive "$RUN_DIR/valkey/valkey.pid"; then move_port REDIS_PORT || return 1; fi
  if port_taken "$PHP_PORT" && ! pid_alive "$RUN_DIR/php/php.pid"; then move_port PHP_PORT || return 1; fi
  if port_taken "$PORT"; then move_port PORT || return 1; fi
  load_env
}

# Stops every service and keeps the data (scripts/run: enrollments survive a restart).
services_stop() {
  nginx_stop
  php_stop
  valkey_stop
  pg_stop
}

# Stops every service and deletes the cluster (scripts/test).
services_down() {
  nginx_stop
  php_stop
  valkey_stop
  pg_destroy
}
