#!/usr/bin/env bash
# Black-box tests of the PHP stand-in "Hawaii" against the running stack (scripts/test runs
# it with the stack's env loaded): bridge shapes, internal-token checks, idempotent
# registration, demo data (RUT check digits), login tokens, test knobs, NodeIntegration.
# Last line: "N passed, M failed"; exit status 1 when anything failed.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
TOOL="$HERE/jwt_tool.php"
WWW="$(cd "$HERE/../../docker/php-legacy" && pwd)"

missing=()
for v in RUN_DIR PHP_BASE_URL LEGACY_DB_HOST LEGACY_DB_PORT LEGACY_DB_NAME LEGACY_DB_USER \
         LEGACY_DB_PASSWORD JWT_SECRET JWT_SECRET_INTERNAL NODE_BASE_URL; do
  [ -n "${!v:-}" ] || missing+=("$v")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "tests/php: missing environment: ${missing[*]} (start a stack: . scripts/lib/services.sh;" \
       "services_up; . \$RUN_DIR/env)" >&2
  echo "0 passed, 1 failed"; exit 1
fi

API="$PHP_BASE_URL/asistencia-criptografica/api"
TMP=$(mktemp -d /tmp/hawaii-tests.XXXXXX)
PIDS=()
cleanup() {
  local p
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
  rm -rf "$TMP"; rm -f "$RUN_DIR/php/slow_ms"
}
trap cleanup EXIT

passed=0; failed=0
ok() { passed=$((passed + 1)); echo "ok   - $1"; }
ko() { failed=$((failed + 1)); echo "FAIL - $1${2:+: $2}"; }
# check NAME COMMAND...: passes when the command succeeds.
check() { local n=$1; shift; if "$@"; then ok "$n"; else ko "$n" "${BODY:0:300}"; fi; }

mint() { php "$TOOL" mint "$@"; }
claims() { # iss aud sub exp-offset  -> JSON claims
  printf '{"iss":"%s","aud":"%s","sub":"%s","iat":"@+0","exp":"@%s"}' "$1" "$2" "$3" "$4"
}
GOOD=$(mint "$(claims node-service php-legacy-system internal-communication +3600)")

# req METHOD URL [token] [body]  -> CODE, BODY, HDRS
req() {
  local args=(-s -o "$TMP/body" -D "$TMP/hdrs" -w '%{http_code}' -X "$1" "$2")
  [ -n "${3:-}" ] && args+=(-H "Authorization: Bearer $3")
  [ -n "${4:-}" ] && args+=(-H 'Content-Type: application/json' --data-binary "$4")
  CODE=$(curl "${args[@]}"); BODY=$(cat "$TMP/body"); HDRS=$(cat "$TMP/hdrs")
}
get() { req GET "$API/$1" "${2-$GOOD}"; }
# js EXPR: evaluates a PHP boolean expression over $j = json_decode(BODY, true).
js() { php -r "\$j = json_decode(stream_get_contents(STDIN), true); exit(($1) ? 0 : 1);" <<<"$BODY"; }
status() { [ "$CODE" = "$1" ]; }
starts() { case "$1" in "$2"*) return 0 ;; esac; return 1; }
redirects_to() { [ "$CODE" = 303 ] && starts "$LOC" "$1"; }
err_is() { status "$1" && js "\$j['error']['code'] === '$2' && is_string(\$j['error']['message'])"; }
sql() { PGPASSWORD=$LEGACY_DB_PASSWORD psql -h "$LEGACY_DB_HOST" -p "$LEGACY_DB_PORT" \
          -U "$LEGACY_DB_USER" -d "$LEGACY_DB_NAME" -v ON_ERROR_STOP=1 -tAc "$1"; }
free_port() { php -r '$s = stream_socket_server("tcp://127.0.0.1:0"); $n = stream_socket_get_name($s, false);
                      echo substr($n, strrpos($n, ":") + 1);'; }

echo "# internal token (obtener_datos_usuario.php?userId=1)"
U="obtener_datos_usuario.php?userId=1"
get "$U"; check "valid internal token is accepted" status 200
get "$U" ""; check "missing token -> 401 invalid_token" err_is 401 invalid_token
check "401 says WWW-Authenticate: Bearer" grep -qi '^WWW-Authenticate: Bearer' <<<"$HDRS"
curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Basic Zm9vOmJhcg==' "$API/$U" >"$TMP/c"
CODE=$(cat "$TMP/c"); check "Basic auth -> 401" status 401
get "$U" "not.a.token"; check "garbage token -> 401" err_is 401 invalid_token
get "$U" "$(mint "$(claims node-service php-legacy-system internal-communication +3600)" HS256 JWT_SECRET)"
check "token signed with the user secret -> 401" err_is 401 invalid_token
T=$GOOD; c=${T: -10:1}; [ "$c" = A ] && c=B || c=A
get "$U" "${T%??????????}$c${T: -9}"
check "tampered signature -> 401" err_is 401 invalid_token
# The last character of a 32-byte signature carries 2 unused bits: flipping only those
# leaves the bytes equal, and the token must still be refused (canonical base64url only).
last=${T: -1}; alt=$(php -r '$a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  $i = strpos($a, $argv[1]); echo $a[($i & ~3) | (($i + 1) & 3)];' "$last")
get "$U" "${T%?}$alt"
check "non-canonical signature encoding (same bytes) -> 401" err_is 401 invalid_token
get "$U" "$(mint "$(claims node-service php-legacy-system internal-communication -120)")"
check "expired token (120 s ago) -> 401" err_is 401 invalid_token
get "$U" "$(mint "$(claims node-service php-legacy-system internal-communication -5)")"
check "token expired 5 s ago is inside the 30 s leeway -> 200" status 200
get "$U" "$(mint '{"iss":"node-service","aud":"php-legacy-system","sub":"internal-communication","iat":"@+0"}')"
check "token without exp -> 401" err_is 401 invalid_token
get "$U" "$(mint "$(claims php-legacy-system php-legacy-system internal-communication +3600)")"
check "wrong issuer -> 401" err_is 401 invalid_token
get "$U" "$(mint "$(claims node-service node-service internal-communication +3600)")"
check "wrong audience -> 401" err_is 401 invalid_token
get "$U" "$(mint "$(claims node-service php-legacy-system someone-else +3600)")"
check "wrong subject -> 401" err_is 401 invalid_token
get "$U" "$(mint "$(claims node-service php-legacy-system internal-communication +3600)" none)"
check "alg none -> 401" err_is 401 invalid_token
get "$U" "$(mint "$(claims node-service php-legacy-system internal-communication +3600)" HS512)"
check "alg HS512 in the header (HS256 signature) -> 401" err_is 401 invalid_token
get "$U" "$(mint '{"iss":"node-service","aud":"php-legacy-system","sub":"internal-communication","iat":"@+600","exp":"@+3600"}')"
check "iat 10 minutes in the future -> 401" err_is 401 invalid_token
get "$U" "$(mint '{"iss":"node-service","aud":["x","php-legacy-system"],"sub":"internal-communication","exp":"@+60"}')"
check "audience as an array containing php-legacy-system -> 200" status 200
get "$U" "$(head -c 6000 /dev/zero | tr '\0' a)"; check "oversized token -> 401" err_is 401 invalid_token
for e in "obtener_alumnos_curso.php?idCurso=1" "verificar_permiso.php?userId=1&permiso=control_clases" \
         "obtener_cursos_profesor.php?userId=1" "obtener_curso.php?idCurso=1"; do
  get "$e" ""; check "no token on ${e%%\?*} -> 401" err_is 401 invalid_token
done
req POST "$API/registrar_asistencia_crypto.php" "" '{"userId":100001,"cursoId":1,"fecha":"2026-11-20","certeza":90,"sessionId":"x"}'
check "no token on registrar_asistencia_crypto.php -> 401" err_is 401 invalid_token

echo "# obtener_datos_usuario.php"
get "obtener_datos_usuario.php?userId=1"
check "professor 1: seed shape and values" js '$j["userId"] === 1 && $j["rol"] === "profesor"
  && preg_match("/^\d{7,8}-[\dK]$/", $j["rut"]) && $j["nombre"] !== "" && str_ends_with($j["email"], "@ucn.cl")
  && $j["foto"] === "/files/fotos/" . $j["rut"] . ".jpg" && $j["permisos"] === ["superAdmin" => false, "controlAsistencia" => true]
  && array_keys($j) === ["userId","rut","nombre","email","foto","rol","permisos"]'
get "obtener_datos_usuario.php?userId=3"
check "professor 3 is a super admin" js '$j["permisos"]["superAdmin"] === true && $j["permisos"]["controlAsistencia"] === true'
get "obtener_datos_usuario.php?userId=100001"
check "student 100001: rol alumno, same shape plus carrera" js '$j["userId"] === 100001 && $j["rol"] === "alumno"
  && str_ends_with($j["email"], "@alumnos.ucn.cl") && is_string($j["carrera"]) && $j["permisos"]["superAdmin"] === false'
get "obtener_datos_usuario.php?userId=99999"; check "unknown professor id -> 404" err_is 404 not_found
get "obtener_datos_usuario.php?userId=100999"; check "unknown student id -> 404" err_is 404 not_found
for q in "" "userId=" "userId=abc" "userId=0" "userId=-1" "userId=1.5" "userId=99999999999" "userId[]=1" "userId=1%20"; do
  get "obtener_datos_usuario.php?$q"; check "bad userId '$q' -> 400" err_is 400 bad_request
done
req POST "$API/obtener_datos_usuario.php?userId=1" "$GOOD" '{}'
check "POST to a GET endpoint -> 405" err_is 405 method_not_allowed
check "405 names the allowed method" grep -qi '^Allow: GET' <<<"$HDRS"

echo "# obtener_alumnos_curso.php"
get "obtener_alumnos_curso.php?idCurso=1&idSemestre=2"
check "course 1: 40 students in the seed shape" js 'count($j) === 40 && array_is_list($j) && count(array_filter($j, fn($a) =>
  array_keys($a) === ["alumnoId","rut","nombre","email","carrera"] && is_int($a["alumnoId"]) && $a["alumnoId"] >= 100000
  && is_string($a["carrera"]))) === 40'
get "obtener_alumnos_curso.php?idCurso=1"; check "idSemestre defaults to the course's semester" js 'count($j) === 40'
get "obtener_alumnos_curso.php?idCurso=1&idSemestre=1"; check "another semester -> empty list" js '$j === []'
get "obtener_alumnos_curso.php?idCurso=999&idSemestre=2"; check "unknown course -> 404" err_is 404 not_found
get "obtener_alumnos_curso.php?idSemestre=2"; check "missing idCurso -> 400" err_is 400 bad_request

echo "# verificar_permiso.php"
perm() { get "verificar_permiso.php?$1"; status 200 && js "\$j === ['permitido' => $2]"; }
check "professor 2 lacks tomar_asistencia on course 4 (assistant)" perm "userId=2&permiso=tomar_asistencia&idCurso=4" false
check "professor 2 may take attendance on course 3" perm "userId=2&permiso=tomar_asistencia&idCurso=3" true
check "professor 1 may take attendance on course 1" perm "userId=1&permiso=tomar_asistencia&idCurso=1" true
check "professor 1 may not on course 3" perm "userId=1&permiso=tomar_asistencia&idCurso=3" false
check "super professor 3 may on any course" perm "userId=3&permiso=tomar_asistencia&idCurso=3" true
check "unknown course -> not permitted" perm "userId=3&permiso=tomar_asistencia&idCurso=999" false
check "a student holds no permission" perm "userId=100001&permiso=tomar_asistencia&idCurso=1" false
check "unknown user holds no permission" perm "userId=4242&permiso=control_asistencia" false
check "control_asistencia: professor 1 yes" perm "userId=1&permiso=control_asistencia" true
check "control_asistencia: professor 2 no" perm "userId=2&permiso=control_asistencia" false
get "verificar_permiso.php?userId=2&permiso=tomar_asistencia"; check "tomar_asistencia without idCurso -> 400" err_is 400 bad_request
get "verificar_permiso.php?userId=2&permiso=borrar_todo"; check "unknown permiso -> 400" err_is 400 bad_request

echo "# obtener_cursos_profesor.php / obtener_curso.php"
get "obtener_cursos_profesor.php?userId=1"
check "professor 1, current semester: courses 1 and 2" js 'array_column($j, "idCurso") === [1, 2] && array_keys($j[0]) ===
  ["idCurso","codigo","nombre","idSemestre","semestre","rol","tomarAsistencia"] && $j[0]["idSemestre"] === 2'
get "obtener_cursos_profesor.php?userId=2&idSemestre=2"
check "professor 2 lists course 4 without tomarAsistencia" js 'count($j) === 2 && $j[1]["idCurso"] === 4 && $j[1]["tomarAsistencia"] === false && $j[0]["tomarAsistencia"] === true'
get "obtener_cursos_profesor.php?userId=1&idSemestre=1"; check "professor 1, semester 2026-1: course 5" js 'array_column($j, "idCurso") === [5]'
get "obtener_cursos_profesor.php?userId=100001"; check "a student teaches nothing" js '$j === []'
get "obtener_curso.php?idCurso=5"; check "obtener_curso.php shape" js '$j === ["idCurso" => 5, "codigo" => "ICI-1150",
  "nombre" => "Introducción a la Ingeniería", "idSemestre" => 1, "semestre" => "2026-1"]'

echo "# registrar_asistencia_crypto.php"
SID="t$(date +%s)$RANDOM"
body() { printf '{"userId":%s,"cursoId":%s,"fecha":"%s","certeza":%s,"sessionId":%s}' "$@"; }
reg() { req POST "$API/registrar_asistencia_crypto.php" "${2-$GOOD}" "$1"; }
reg "$(body 100002 1 2026-11-20T10:15:00Z 92.5 "\"$SID\"")"
check "first registration -> 200 success, not duplicate" js '$j["success"] === true && $j["duplicado"] === false && is_int($j["asistenciaId"])'
first=$(php -r 'echo json_decode(stream_get_contents(STDIN), true)["asistenciaId"] ?? "";' <<<"$BODY")
reg "$(body 100002 1 2026-11-20T10:15:00Z 92.5 "\"$SID\"")"
check "same (userId, sessionId) again -> 200, duplicado, same row" js "\$j['success'] === true && \$j['duplicado'] === true && \$j['asistenciaId'] === $first"
rows=$(sql "SELECT count(*) FROM alumno_asistencia WHERE alumno_id = 100002 AND session_id = '$SID'")
check "exactly one alumno_asistencia row after two posts (psql)" [ "$rows" = 1 ]
row=$(sql "SELECT aa.presente, aa.metodo, aa.certeza, ac.curso_id, ac.fecha FROM alumno_asistencia aa
           JOIN asistencia_curso ac ON ac.id = aa.asistencia_curso_id WHERE aa.session_id = '$SID'")
check "row: present, criptografico, certeza, course, local time (America/Santiago)" \
  [ "$row" = "t|criptografico|92.50|1|2026-11-20 07:15:00" ]
for u in 100003 100004 100005 100006 100007; do
  reg "$(body $u 1 2026-11-20 80 "\"$SID\"")" &
  reg "$(body $u 1 2026-11-20 80 "\"$SID\"")" &
done; wait
rows=$(sql "SELECT count(*) || '/' || count(DISTINCT asistencia_curso_id) FROM alumno_asistencia WHERE session_id = '$SID'")
check "10 concurrent posts for 5 students -> 6 rows in one class occurrence" [ "$rows" = 6/1 ]
NSID=$((RANDOM * 1000 + RANDOM))
reg "$(body 100008 1 2026-11-20 75 "$NSID")"; check "numeric sessionId accepted" js '$j["success"] === true'
reg "$(body 100008 1 2026-11-20 75 "\"$NSID\"")"; check "same session as string -> duplicate" js '$j["duplicado"] === true'
reg "$(body 100045 2 2026-11-20 75 "\"$SID\"")"; check "same session for another course -> 409" err_is 409 conflict
reg "$(body 100060 1 2026-11-20 75 "\"${SID}b\"")"; check "student not enrolled in the course -> 422" err_is 422 alumno_no_inscrito
reg "$(body 100999 1 2026-11-20 75 "\"${SID}b\"")"; check "unknown student -> 404" err_is 404 not_found
reg "$(body 3 1 2026-11-20 75 "\"${SID}b\"")"; check "a professor id is not a student -> 404" err_is 404 not_found
reg "$(body 100001 999 2026-11-20 75 "\"${SID}b\"")"; check "unknown course -> 404" err_is 404 not_found
before=$(sql "SELECT count(*) FROM alumno_asistencia")
for b in 'not json' '[1,2]' '{}' "$(body 100001 1 2026-11-20 150 '"s1"')" "$(body 100001 1 2026-11-20 '"90"' '"s1"')" \
         "$(body 100001 1 ayer 90 '"s1"')" "$(body 100001 1 2026-02-30 90 '"s1"')" "$(body 100001 1 2026-11-20 90 '"a b"')" \
         "$(body 100001 1 2026-11-20 90 '""')" "$(body 100001 1 2026-11-20 90 null)" "$(body 0 1 2026-11-20 90 '"s1"')" \
         "$(body 100001 1.5 2026-11-20 90 '"s1"')" "$(body true 1 2026-11-20 90 '"s1"')"; do
  reg "$b"; check "bad body ${b:0:70} -> 400" err_is 400 bad_request
done
reg "{\"userId\":100001,\"pad\":\"$(head -c 9000 /dev/zero | tr '\0' x)\"}"; check "body over 8 KiB -> 413" err_is 413 payload_too_large
reg "$(body 100001 1 2026-11-20 90 "\"${SID}c\"")" "$(mint "$(claims node-service php-legacy-system internal-communication -120)")"
check "expired token -> 401" err_is 401 invalid_token
after=$(sql "SELECT count(*) FROM alumno_asistencia")
check "rejected requests wrote nothing" [ "$before" = "$after" ]
get "registrar_asistencia_crypto.php"; check "GET on registrar -> 405" err_is 405 method_not_allowed

echo "# demo data"
students=$(sql "SELECT count(*) || ' ' || min(id) || ' ' || count(DISTINCT rut) FROM alumno")
check "60 students, ids from 100000 up, distinct RUTs" [ "$students" = "60 100001 60" ]
check "3 professors, ids below 100000" [ "$(sql 'SELECT count(*) FROM profesor WHERE id < 100000')" = 3 ]
check "at least 2 semesters and 5 courses" [ "$(sql 'SELECT (SELECT count(*) FROM semestre) >= 2 AND (SELECT count(*) FROM curso) = 5')" = t ]
dv() { local b=$1 s=0 f=2 r; while [ "$b" -gt 0 ]; do s=$((s + (b % 10) * f)); b=$((b / 10)); f=$((f == 7 ? 2 : f + 1)); done
       r=$((11 - s % 11)); case $r in 11) echo 0 ;; 10) echo K ;; *) echo $r ;; esac; }
bad=0; n=0
while IFS= read -r rut; do
  n=$((n + 1)); body_=${rut%-*}; d=${rut#*-}
  [[ "$rut" =~ ^[0-9]{7,8}-[0-9K]$ ]] && [ "$(dv "$body_")" = "$d" ] || { bad=$((bad + 1)); echo "  bad RUT $rut"; }
done < <(sql "SELECT rut FROM alumno UNION ALL SELECT rut FROM profesor")
check "all $n demo RUTs have valid módulo 11 check digits" [ "$bad" = 0 -a "$n" = 63 ]
check "the check digit helper knows a K case (15463259-K)" [ "$(dv 15463259)" = K ]
check "sql/020_demo_data.sql is what tools/gen_demo_data.php generates" \
  bash -c "php '$WWW/tools/gen_demo_data.php' | cmp -s - '$WWW/sql/020_demo_data.sql'"
check "jwt_tool's independent módulo 11 agrees" [ "$(php "$TOOL" rutdv 15463259)" = K ]

echo "# login.php"
req GET "$PHP_BASE_URL/login.php"
check "login page lists 3 professors and 60 students" [ "$(grep -c '<option value=' <<<"$BODY")" = 63 ]
check "login page is in Spanish" grep -q 'Ingresar como profesor' <<<"$BODY"
login() { curl -s -o /dev/null -D "$TMP/lh" -c "$TMP/jar" -d "tipo=$1&id=$2" "$PHP_BASE_URL/login.php" -w '%{http_code}'; }
CODE=$(login profesor 2); LOC=$(grep -i '^Location:' "$TMP/lh" | tr -d '\r' | cut -d' ' -f2-)
check "professor login -> 303 to $NODE_BASE_URL/profesor.html#token=" redirects_to "$NODE_BASE_URL/profesor.html#token="
BODY=$(php "$TOOL" verify "${LOC#*#token=}" JWT_SECRET)
check "user token verifies with JWT_SECRET and has the PROTOCOL claims" js '$j["sub"] === "2" && $j["userId"] === 2
  && $j["rol"] === "profesor" && $j["iss"] === "php-legacy-system" && $j["exp"] - $j["iat"] === 300
  && abs($j["iat"] - time()) < 120 && $j["username"] === "rodrigo.fuentes@ucn.cl" && is_string($j["nombre"])'
check "legacy cookie UCN_SESSID is HttpOnly" grep -qi '^Set-Cookie: UCN_SESSID=.*HttpOnly' "$TMP/lh"
CODE=$(login alumno 100007); LOC=$(grep -i '^Location:' "$TMP/lh" | tr -d '\r' | cut -d' ' -f2-)
BODY=$(php "$TOOL" verify "${LOC#*#token=}" JWT_SECRET)
check "student login -> alumno.html with rol alumno, userId 100007" js '$j["rol"] === "alumno" && $j["userId"] === 100007 && $j["sub"] === "100007"'
check "student redirect goes to alumno.html" redirects_to "$NODE_BASE_URL/alumno.html#token="
check "the user token is refused by the bridge (other secret, issuer)" bash -c \
  "[ \"\$(curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer ${LOC#*#token=}' '$API/$U')\" = 401 ]"
CODE=$(login alumno 5); check "login with a professor id as student -> 400" [ "$CODE" = 400 ]
CODE=$(login admin 1); check "login with an unknown role -> 400" [ "$CODE" = 400 ]

echo "# pages and files"
for f in asistencia-criptografica/api/db.inc asistencia-criptografica/api/auth.inc asistencia-criptografica/lib/jwt.inc; do
  req GET "$PHP_BASE_URL/$f"; check "$f is not served" status 404
done
req GET "$PHP_BASE_URL/"; check "index links the login" grep -q 'href="login.php"' <<<"$BODY"
req GET "$PHP_BASE_URL/asistencia-criptografica/estado.php"
check "status page without the legacy cookie -> 401 with a login link" bash -c "[ $CODE = 401 ] && grep -q 'login.php' '$TMP/body'"
login profesor 1 >/dev/null
CODE=$(curl -s -o "$TMP/body" -w '%{http_code}' -b "$TMP/jar" "$PHP_BASE_URL/asistencia-criptografica/estado.php?userId=100001&sessionId=1")
check "status page with the cookie renders enrollment and session blocks" bash -c \
  "[ $CODE = 200 ] && grep -q 'id=\"enrollment\"' '$TMP/body' && grep -q 'id=\"session-results\"' '$TMP/body'"

echo "# test knobs"
log="$RUN_DIR/php/bridge-access.log"
n0=$(wc -l <"$log" 2>/dev/null || echo 0)
get "obtener_curso.php?idCurso=2"; get "obtener_datos_usuario.php?userId=100010"
n1=$(wc -l <"$log" 2>/dev/null || echo 0)
check "bridge-access.log grows by one line per call" [ $((n1 - n0)) = 2 ]
check "the log line holds endpoint and query" bash -c "tail -1 '$log' | grep -qx 'obtener_datos_usuario.php?userId=100010'"
echo 400 >"$RUN_DIR/php/slow_ms"
t0=$(date +%s%N); get "obtener_curso.php?idCurso=2"; t1=$(date +%s%N)
rm -f "$RUN_DIR/php/slow_ms"
check "slow_ms=400 delays a bridge call by at least 400 ms" [ $(((t1 - t0) / 1000000)) -ge 400 ]
check "the delayed call still answers" status 200

echo "# lost database -> 503 (a second stand-in pointed at a closed port)"
P2=$(free_port)
LEGACY_DB_PORT=1 RUN_DIR="$TMP" setsid php -d variables_order=EGPCS -S "127.0.0.1:$P2" -t "$WWW/www" "$WWW/router.php" \
  >"$TMP/php2.log" 2>&1 & PIDS+=($!)
for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$P2") 2>/dev/null && break; sleep 0.05; done
req GET "http://127.0.0.1:$P2/asistencia-criptografica/api/obtener_datos_usuario.php?userId=1" "$GOOD"
check "database down -> 503 dependency_unavailable" err_is 503 dependency_unavailable
check "the 503 body leaks no connection details" bash -c "! grep -qi -E 'port|sqlstate|hawaii|password' '$TMP/body'"
# That second stand-in runs without HAWAII_DEV_LOGIN (as outside compose's demo profile).
CODE=$(curl -s -o "$TMP/body" -w '%{http_code}' -d "tipo=profesor&id=1" "http://127.0.0.1:$P2/login.php")
check "without HAWAII_DEV_LOGIN=1 the passwordless login does not exist (404, no token)" \
  bash -c "[ '$CODE' = 404 ] && ! grep -q 'token=' '$TMP/body'"

echo "# NodeIntegration against a fake attendance server"
P3=$(free_port); mkdir -p "$TMP/fake"
cat >"$TMP/fake/router.php" <<'PHP'
<?php
$path = parse_url($_SERVER['REQUEST_URI'], PHP_URL_PATH);
header('Content-Type: application/json');
if (str_contains($path, '/api/enrollment/status/666')) { http_response_code(500); echo '{}'; return true; }
echo json_encode(['path' => $path, 'auth' => $_SERVER['HTTP_AUTHORIZATION'] ?? '']);
return true;
PHP
setsid php -S "127.0.0.1:$P3" "$TMP/fake/router.php" >"$TMP/fake.log" 2>&1 & PIDS+=($!)
for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$P3") 2>/dev/null && break; sleep 0.05; done
ni() { NODE_INTERNAL_URL="http://127.0.0.1:$P3" php -r "require '$WWW/www/asistencia-criptografica/node-integration.php';
  \$n = new NodeIntegration(); echo json_encode($1);"; }
BODY=$(ni '$n->consultarEnrollmentStatus(100001)')
check "enrollment status: GET /api/enrollment/status/100001" js '$j["path"] === "/api/enrollment/status/100001"'
BODY=$(php "$TOOL" verify "$(php -r '$j = json_decode(stream_get_contents(STDIN), true); echo substr($j["auth"], 7);' <<<"$BODY")" JWT_SECRET_INTERNAL)
check "internal token to the server: iss php-legacy-system, aud node-service, 1 h" js '$j["iss"] === "php-legacy-system"
  && $j["aud"] === "node-service" && $j["sub"] === "internal-communication" && $j["exp"] - $j["iat"] === 3600'
BODY=$(ni '[$n->consultarEstadoSesion("17"), $n->obtenerResultadosAsistencia("17")]')
check "session status and results paths" js '$j[0]["path"] === "/api/attendance/session/17/status" && $j[1]["path"] === "/api/attendance/session/17/results"'
BODY=$(ni '$n->consultarEnrollmentStatus(666)'); check "a non-200 answer reads as not enrolled" js '$j === ["enrolled" => false]'

echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
