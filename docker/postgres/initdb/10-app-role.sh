#!/bin/bash
# First start of the node database (postgres image's /docker-entrypoint-initdb.d, run once as
# the cluster's superuser): the server's own role, which can log in and owns its database
# (the migrations create the schemas there) and nothing else: no superuser, no CREATEDB, no
# CREATEROLE, no replication, no other database. The password comes from a Docker secret.
set -euo pipefail
: "${APP_DB_NAME:?}" "${APP_DB_USER:?}" "${APP_DB_PASSWORD_FILE:?}"
password=$(tr -d '\r\n' <"$APP_DB_PASSWORD_FILE")
[ -n "$password" ] || { echo "initdb: $APP_DB_PASSWORD_FILE is empty" >&2; exit 1; }
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
     -v app_user="$APP_DB_USER" -v app_db="$APP_DB_NAME" -v app_password="$password" <<'SQL'
CREATE ROLE :"app_user" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS
  CONNECTION LIMIT 100 PASSWORD :'app_password';
CREATE DATABASE :"app_db" OWNER :"app_user";
REVOKE ALL ON DATABASE :"app_db" FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE :"app_db" TO :"app_user";
SQL
echo "initdb: role $APP_DB_USER (no superuser) owns database $APP_DB_NAME"
