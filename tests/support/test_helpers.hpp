// Helpers every black-box test shares: a shell command's output, SQL on the stack's
// databases and valkey-cli through the stack's tools, and the tokens PROTOCOL.md section 3
// describes, signed with the stack's secrets. Header-only.
#pragma once

#include "asistencia/domain/tokens/jwt.hpp"
#include "server_process.hpp"
#include "shell.hpp"

#include <string>

namespace server_test {

namespace tokens = asistencia::domain::tokens;

using test_support::shell;

// One value (or rows separated by newlines) from the node database, or from `db`.
inline std::string sql(const std::string& query, const std::string& db = "") {
    return shell(env_or_fail("ASISTENCIA_SVC") + " psql -q " + (db.empty() ? "" : "-d " + db + " ") + "-tAc \"" +
                 query + "\"");
}

// Removes a student's devices and enrollment history, so a test starts from "never
// enrolled" whatever earlier tests on the same database did with that student.
inline void forget_enrollments(std::int64_t user_id) {
    sql("DELETE FROM enrollment.enrollment_history WHERE user_id = " + std::to_string(user_id));
    sql("DELETE FROM enrollment.devices WHERE user_id = " + std::to_string(user_id));
}

inline std::string valkey_cli(const std::string& args) {
    return shell("valkey-cli -h " + env_or_fail("REDIS_HOST") + " -p " + env_or_fail("REDIS_PORT") + " " + args);
}

// A user token (the raw JWT) as the PHP module issues it.
inline std::string user_token(std::int64_t id, tokens::user_role role) {
    tokens::user_claims c;
    c.user_id = id;
    c.username = "demo";
    c.role = role;
    return tokens::issue_user_token(c, env_or_fail("JWT_SECRET"), {}).token;
}
inline std::string bearer_user(std::int64_t id, tokens::user_role role = tokens::user_role::alumno) {
    return "Bearer " + user_token(id, role);
}
inline std::string student_token(std::int64_t id) { return bearer_user(id, tokens::user_role::alumno); }
inline std::string professor_token(std::int64_t id) { return bearer_user(id, tokens::user_role::profesor); }
// The PHP module's internal token towards the server.
inline std::string bearer_internal(const std::string& secret = env_or_fail("JWT_SECRET_INTERNAL")) {
    return "Bearer " + tokens::issue_internal_inbound_token(secret, {}).token;
}

} // namespace server_test
