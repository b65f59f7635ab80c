// JSON <-> typed bridge answers; see bridge_types.hpp.
#include "asistencia/infra/php_bridge/bridge_types.hpp"

#include <nlohmann/json.hpp>

namespace asistencia::infra::php_bridge {

namespace {

using nlohmann::json;

std::optional<json> parse(std::string_view body) {
    json j = json::parse(body, nullptr, false);
    if (j.is_discarded()) return std::nullopt;
    return j;
}

// PHP's json_encode gives numbers, but a PDO row may carry numeric strings: accept both.
std::optional<std::int64_t> id_of(const json& j, const char* key) {
    const auto it = j.find(key);
    if (it == j.end()) return std::nullopt;
    if (it->is_number_integer()) return it->get<std::int64_t>();
    if (it->is_string()) {
        const auto& s = it->get_ref<const std::string&>();
        if (s.empty() || s.size() > 18) return std::nullopt;
        std::int64_t v = 0;
        for (char c : s) {
            if (c < '0' || c > '9') return std::nullopt;
            v = v * 10 + (c - '0');
        }
        return v;
    }
    return std::nullopt;
}

std::string text_of(const json& j, const char* key) {
    const auto it = j.find(key);
    if (it == j.end() || !it->is_string()) return {};
    return it->get<std::string>();
}

bool flag_of(const json& j, const char* key) {
    const auto it = j.find(key);
    return it != j.end() && it->is_boolean() && it->get<bool>();
}

} // namespace

std::optional<legacy_user> parse_user(std::string_view body) {
    const auto j = parse(body);
    if (!j || !j->is_object()) return std::nullopt;
    const auto id = id_of(*j, "userId");
    if (!id) return std::nullopt;
    legacy_user u;
    u.user_id = *id;
    u.rut = text_of(*j, "rut");
    u.nombre = text_of(*j, "nombre");
    u.email = text_of(*j, "email");
    u.foto = text_of(*j, "foto");
    u.rol = text_of(*j, "rol");
    if (const auto p = j->find("permisos"); p != j->end() && p->is_object()) {
        u.super_admin = flag_of(*p, "superAdmin");
        u.control_asistencia = flag_of(*p, "controlAsistencia");
    }
    return u;
}

std::optional<std::vector<legacy_student>> parse_students(std::string_view body) {
    const auto j = parse(body);
    if (!j || !j->is_array()) return std::nullopt;
    std::vector<legacy_student> out;
    out.reserve(j->size());
    for (const auto& e : *j) {
        if (!e.is_object()) return std::nullopt;
        const auto id = id_of(e, "alumnoId");
        if (!id) return std::nullopt;
        out.push_back({*id, text_of(e, "rut"), text_of(e, "nombre"), text_of(e, "email"), text_of(e, "carrera")});
    }
    return out;
}

std::optional<bool> parse_permission(std::string_view body) {
    const auto j = parse(body);
    if (!j || !j->is_object()) return std::nullopt;
    const auto it = j->find("permitido");
    if (it == j->end() || !it->is_boolean()) return std::nullopt;
    return it->get<bool>();
}

static std::optional<legacy_course> course_of(const json& e) {
    if (!e.is_object()) return std::nullopt;
    const auto id = id_of(e, "idCurso");
    if (!id) return std::nullopt;
    legacy_course c;
    c.id_curso = *id;
    c.id_semestre = id_of(e, "idSemestre").value_or(0);
    c.codigo = text_of(e, "codigo");
    c.nombre = text_of(e, "nombre");
    c.seccion = text_of(e, "seccion");
    c.semestre = text_of(e, "semestre");
    c.tomar_asistencia = flag_of(e, "tomarAsistencia");
    return c;
}

std::optional<std::vector<legacy_course>> parse_courses(std::string_view body) {
    const auto j = parse(body);
    if (!j || !j->is_array()) return std::nullopt;
    std::vector<legacy_course> out;
    for (const auto& e : *j) {
        auto c = course_of(e);
        if (!c) return std::nullopt;
        out.push_back(std::move(*c));
    }
    return out;
}

std::optional<legacy_course> parse_course(std::string_view body) {
    const auto j = parse(body);
    if (!j) return std::nullopt;
    return course_of(*j);
}

std::string to_json(const attendance_record& r) {
    return json{{"userId", r.user_id},
                {"cursoId", r.curso_id},
                {"fecha", r.fecha},
                {"certeza", r.certeza},
                {"sessionId", r.session_id}}
        .dump();
}

std::string to_json(const legacy_user& u) {
    return json{{"userId", u.user_id},
                {"rut", u.rut},
                {"nombre", u.nombre},
                {"email", u.email},
                {"foto", u.foto},
                {"rol", u.rol},
                {"permisos", {{"superAdmin", u.super_admin}, {"controlAsistencia", u.control_asistencia}}}}
        .dump();
}

} // namespace asistencia::infra::php_bridge
