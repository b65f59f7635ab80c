#!/usr/bin/env python3
"""Static checks of compose.yaml's safety properties (issue 15, item 3). No Docker engine
runs here, so this reads the files as Compose would and asserts what "safe by default"
means for this stack; docs/operations.md ("What the compose check asserts") lists them.

Usage: tests/compose/check_compose.py [repo root]   Last line: "N passed, M failed".
"""
import os
import re
import sys

import yaml

ROOT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..")
DEFAULT_SERVICES = {"server", "db", "valkey", "backup"}
DEMO_SERVICES = {"php-legacy", "legacy-db"}
# The uid each container reads its secrets as (images' users: postgres 999, ours 10001,
# Apache's www-data 33).
SECRET_UID = {"db": "999", "legacy-db": "999", "server": "10001", "backup": "10001", "php-legacy": "33"}
# Published ports, as docs/operations.md documents them: (service, host ip, host port, container port).
DOCUMENTED_PORTS = {
    "server": [("${BIND_ADDRESS:-0.0.0.0}", "${HTTPS_PORT:-443}", "3000")],
    "php-legacy": [("127.0.0.1", "${DEMO_PHP_PORT:-8080}", "80")],
}
DEV_LOGIN = "HAWAII_DEV_LOGIN"

passed = failed = 0


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print(f"ok   {name}")
    else:
        failed += 1
        print(f"FAIL {name}" + (f": {detail}" if detail else ""))


def read(path):
    with open(os.path.join(ROOT, path), encoding="utf-8") as f:
        return f.read()


def env_of(service):
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {k: ("" if v is None else str(v)) for k, v in env.items()}


def file_mode(v):
    """Compose reads YAML 1.2, where 0o400 is octal; PyYAML (1.1) leaves it a string."""
    if isinstance(v, int):
        return v
    if isinstance(v, str) and re.fullmatch(r"0o[0-7]+", v):
        return int(v[2:], 8)
    return None


def variables(text):
    """Names Compose interpolates (${NAME...} and $NAME), ignoring $$ escapes."""
    text = text.replace("$$", "")
    return set(re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*)", text)) | set(
        re.findall(r"\$([A-Za-z_][A-Za-z0-9_]*)", text))


raw = read("compose.yaml")
try:
    doc = yaml.safe_load(raw)
    check("compose.yaml parses as YAML", isinstance(doc, dict))
except yaml.YAMLError as e:
    check("compose.yaml parses as YAML", False, str(e))
    print(f"{passed} passed, {failed} failed")
    sys.exit(1)

services = doc.get("services", {})
check("no obsolete top-level `version`", "version" not in doc)
check("services are exactly server, db, valkey, backup, php-legacy, legacy-db",
      set(services) == DEFAULT_SERVICES | DEMO_SERVICES, sorted(services))

# --- profiles: production by default, the stand-in only in `demo`
for name in sorted(DEFAULT_SERVICES):
    check(f"{name} runs in the default (production) profile", not services.get(name, {}).get("profiles"))
for name in sorted(DEMO_SERVICES):
    check(f"{name} runs only in the demo profile", services.get(name, {}).get("profiles") == ["demo"],
          services.get(name, {}).get("profiles"))

# --- no development login outside `demo`
for name, svc in sorted(services.items()):
    env = env_of(svc)
    if name in DEMO_SERVICES:
        continue
    check(f"{name} has no {DEV_LOGIN}", DEV_LOGIN not in env)
check("the demo's php-legacy turns the dev login on explicitly",
      env_of(services.get("php-legacy", {})).get(DEV_LOGIN) == "1")
php_url = env_of(services.get("server", {})).get("PHP_BASE_URL", "")
check("the server's PHP_BASE_URL is required from .env (no stand-in default)",
      php_url.startswith("${PHP_BASE_URL:?") and "php-legacy" not in php_url, php_url)
login = read("docker/php-legacy/www/login.php")
check("login.php refuses to exist without HAWAII_DEV_LOGIN=1",
      re.search(r"hawaii_setting\('HAWAII_DEV_LOGIN'\)\s*!==\s*'1'", login) is not None)
check("login.php says it is the demo's passwordless login", "Modo demostración" in login)

# --- secrets: one file each, mounted only where read, 0400, owned by the reader
top_secrets = doc.get("secrets", {})
users = {}
for name, svc in sorted(services.items()):
    env = env_of(svc)
    mounted = {}
    for s in svc.get("secrets", []) or []:
        check(f"{name}: secret {s if isinstance(s, str) else s.get('source')} uses the long syntax",
              isinstance(s, dict))
        if not isinstance(s, dict):
            continue
        users.setdefault(s["source"], []).append(name)
        target = s.get("target", s["source"])
        mounted[target] = s
        check(f"{name}: secret {s['source']} is mode 0400", file_mode(s.get("mode")) == 0o400, s.get("mode"))
        check(f"{name}: secret {s['source']} is owned by the container's uid {SECRET_UID.get(name)}",
              str(s.get("uid")) == SECRET_UID.get(name) and str(s.get("gid")) == SECRET_UID.get(name))
    file_vars = {k: v for k, v in env.items() if k.endswith("_FILE") and v.startswith("/run/secrets/")}
    used = {v[len("/run/secrets/"):] for v in file_vars.values()}
    check(f"{name}: every mounted secret is read (a *_FILE variable names it)", set(mounted) <= used,
          sorted(set(mounted) - used))
    check(f"{name}: every *_FILE variable names a mounted secret", used <= set(mounted), sorted(used - set(mounted)))
    for v in svc.get("volumes", []) or []:
        spec = v if isinstance(v, str) else v.get("source", "")
        check(f"{name}: no volume carries secrets ({spec})", "secret" not in str(spec))
for secret, where in sorted(users.items()):
    check(f"secret {secret} goes to one container only", len(where) == 1, where)
check("every top-level secret is mounted somewhere", set(top_secrets) == set(users),
      sorted(set(top_secrets) ^ set(users)))
for key in ("server_master_key", "backup_master_key"):
    check(f"the master key ({key}) is defined", key in top_secrets)
master_readers = sorted(n for s, ns in users.items() if "master_key" in s for n in ns)
check("only the server and the backup job get the master key", sorted(set(master_readers)) == ["backup", "server"],
      master_readers)
for name in ("php-legacy", "legacy-db", "valkey", "db"):
    got = [s["source"] for s in services.get(name, {}).get("secrets", []) or [] if isinstance(s, dict)]
    check(f"{name} gets neither the master key nor the server's DB password",
          not any(("master_key" in g) or g.startswith("server_") or g.startswith("backup_") for g in got), got)

# --- the server's database role is not the superuser
db_env = env_of(services.get("db", {}))
server_env = env_of(services.get("server", {}))
check("the server connects as a role other than the cluster's superuser",
      server_env.get("DB_USER") and server_env.get("DB_USER") != db_env.get("POSTGRES_USER", "postgres"),
      f"{server_env.get('DB_USER')} vs {db_env.get('POSTGRES_USER')}")
check("that role is the one the init script creates", server_env.get("DB_USER") == db_env.get("APP_DB_USER"))
check("the backup job connects as that role too", env_of(services.get("backup", {})).get("DB_USER") == server_env.get("DB_USER"))
init_mounts = [v for v in services.get("db", {}).get("volumes", []) if "docker-entrypoint-initdb.d" in str(v)]
check("the db mounts docker/postgres/initdb as its init scripts",
      init_mounts == ["./docker/postgres/initdb:/docker-entrypoint-initdb.d:ro"], init_mounts)
init = read("docker/postgres/initdb/10-app-role.sh")
role = re.search(r"CREATE ROLE\s+:\"app_user\"([^;]*);", init, re.S)
attrs = role.group(1).split() if role else []
check("the init script creates the role NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION",
      role is not None and all(a in attrs for a in ("NOSUPERUSER", "NOCREATEDB", "NOCREATEROLE", "NOREPLICATION")), attrs)
check("the init script grants no superuser or membership",
      "SUPERUSER" not in init.replace("NOSUPERUSER", "") and "GRANT pg_" not in init
      and not re.search(r"ALTER ROLE", init))
check("the init script makes the role own only its database", 'CREATE DATABASE :"app_db" OWNER :"app_user"' in init)

# --- ports: only the documented ones, the stand-in on loopback only
ops_doc = read("docs/operations.md")
for name, svc in sorted(services.items()):
    ports = []
    for p in svc.get("ports", []) or []:
        check(f"{name}: port {p} is written as ip:host:container", isinstance(p, str) and p.count(":") >= 2, p)
        if isinstance(p, str):
            parts = re.findall(r"\$\{[^}]*\}|[^:]+", p)  # ${VAR:-x} holds colons of its own
            ports.append(tuple(parts) if len(parts) == 3 else ("?", "?", p))
    check(f"{name}: published ports are the documented ones", ports == DOCUMENTED_PORTS.get(name, []), ports)
    for ip, host, container in ports:
        check(f"docs/operations.md documents {name}'s {ip}:{host}:{container}", f"`{ip}:{host}:{container}`" in ops_doc)
check("db and valkey sit only on the internal network", all(
    services.get(n, {}).get("networks") == ["backend"] for n in ("db", "valkey", "backup", "legacy-db")))
check("the backend network is internal", (doc.get("networks", {}).get("backend") or {}).get("internal") is True)

# --- health, start order, restarts, logs
for name, svc in sorted(services.items()):
    hc = svc.get("healthcheck") or {}
    check(f"{name} has a healthcheck", bool(hc.get("test")) and not hc.get("disable"), hc)
    check(f"{name} restarts by itself", svc.get("restart") in ("unless-stopped", "always", "on-failure"), svc.get("restart"))
    log = svc.get("logging") or {}
    check(f"{name} rotates its logs", log.get("driver") == "json-file" and "max-size" in (log.get("options") or {})
          and "max-file" in (log.get("options") or {}), log)
deps = services.get("server", {}).get("depends_on", {})
check("the server waits for PostgreSQL and Valkey to be healthy",
      all((deps.get(d) or {}).get("condition") == "service_healthy" for d in ("db", "valkey")), deps)
check("the backup waits for PostgreSQL", (services.get("backup", {}).get("depends_on", {}).get("db") or {}).get("condition") == "service_healthy")
check("the backup job runs scripts/backup (the operator's script) with retention",
      "backup" in str(services.get("backup", {}).get("command")) and "BACKUP_KEEP_DAYS" in env_of(services.get("backup", {})))
backup_df = read("docker/backup/Dockerfile")
check("the backup image carries scripts/backup and scripts/restore", "COPY scripts/backup scripts/restore" in backup_df)

# --- the demo's stand-in calls the server over verified HTTPS (the server has no plain port)
php_env = env_of(services.get("php-legacy", {}))
check("the demo's stand-in calls the server at https://server:3000", php_env.get("NODE_INTERNAL_URL") == "https://server:3000",
      php_env.get("NODE_INTERNAL_URL"))
ca_target = php_env.get("NODE_INTERNAL_CA_FILE", "")[len("/run/secrets/"):]
ca_source = next((m.get("source") for m in services.get("php-legacy", {}).get("secrets", []) or []
                  if isinstance(m, dict) and m.get("target") == ca_target), None)
ca_file = str((top_secrets.get(ca_source) or {}).get("file", "")) if ca_source else ""
check("it trusts the server's certificate through NODE_INTERNAL_CA_FILE, a copy of the certificate (not the key)",
      ca_target != "" and ca_file == "./secrets/php-legacy/SERVER_CA", (ca_target, ca_source, ca_file))
make_secrets = read("docker/make-secrets")
check("make-secrets' demo certificate names the host \"server\" and is copied for the stand-in",
      "DNS:server" in make_secrets and '"$S/php-legacy/SERVER_CA" 33' in make_secrets)
node_client = read("docker/php-legacy/www/asistencia-criptografica/node-integration.php")
check("the stand-in's client verifies the peer and uses NODE_INTERNAL_CA_FILE",
      "CURLOPT_SSL_VERIFYPEER => true" in node_client and "CURLOPT_SSL_VERIFYHOST => 2" in node_client
      and "getenv('NODE_INTERNAL_CA_FILE')" in node_client and "CURLOPT_CAINFO" in node_client)

# --- WebAuthn and TLS from .env
for var in ("WEBAUTHN_RP_ID", "WEBAUTHN_ORIGINS", "TLS_CERT_FILE", "TLS_KEY_FILE", "TRUSTED_PROXIES"):
    check(f"the server gets {var}", var in server_env)
check("WEBAUTHN_RP_ID is required from .env", server_env.get("WEBAUTHN_RP_ID", "").startswith("${WEBAUTHN_RP_ID:?"))
check("the TLS files come from .env paths", "${TLS_CERT_PATH" in str(top_secrets.get("server_tls_cert"))
      and "${TLS_KEY_PATH" in str(top_secrets.get("server_tls_key")))

# --- .env.example: every variable commented and used, every used variable listed
example = read(".env.example").splitlines()
listed = []
for i, line in enumerate(example):
    m = re.match(r"^#?([A-Z][A-Z0-9_]*)=", line)
    if m:
        listed.append(m.group(1))
        j = i - 1  # a comment may explain several variables listed under it
        while j >= 0 and re.match(r"^[A-Z][A-Z0-9_]*=", example[j]):
            j -= 1
        check(f".env.example explains {m.group(1)} in a comment above it", j >= 0 and example[j].startswith("# "))
used = variables(raw)
compose_builtin = {"COMPOSE_PROFILES"}
check("every .env.example variable is used by compose.yaml", set(listed) - compose_builtin <= used,
      sorted(set(listed) - compose_builtin - used))
check("every variable compose.yaml reads is in .env.example", used <= set(listed), sorted(used - set(listed)))
check(".env.example holds no secret values",
      not any(re.match(r"^[A-Z_]*(SECRET|PASSWORD|PASSPHRASE|MASTER_KEY)[A-Z_]*=.+", l) for l in example))

# --- what never enters an image or the repository
ignore = read(".dockerignore").split()
for entry in (".git", ".run", ".env", "build", "secrets", "backups", "**/node_modules"):
    check(f".dockerignore leaves out {entry}", entry in ignore)
gitignore = read(".gitignore").split()
for entry in ("/secrets/", "/backups/", "/.env"):
    check(f".gitignore leaves out {entry}", entry in gitignore)

print(f"\n{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
