// Parsing of the PHP bridge answers (seed shapes) and refusal of anything else.
#include "asistencia/infra/php_bridge/bridge_types.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

using namespace asistencia::infra::php_bridge;

namespace {

TEST(PhpBridgeTypes, ParsesTheSeedsUserShape) {
    const auto u = parse_user(R"({"userId":123,"rut":"12345678-5","nombre":"Juan Pérez",
        "email":"juan.perez@ucn.cl","foto":"/f.jpg","rol":"profesor",
        "permisos":{"superAdmin":false,"controlAsistencia":true}})");
    ASSERT_TRUE(u);
    EXPECT_EQ(u->user_id, 123);
    EXPECT_EQ(u->nombre, "Juan Pérez");
    EXPECT_EQ(u->rol, "profesor");
    EXPECT_FALSE(u->super_admin);
    EXPECT_TRUE(u->control_asistencia);
}

TEST(PhpBridgeTypes, AcceptsNumericStringIdsFromPdo) {
    const auto u = parse_user(R"({"userId":"100007","nombre":"X","rol":"alumno"})");
    ASSERT_TRUE(u);
    EXPECT_EQ(u->user_id, 100007);
}

TEST(PhpBridgeTypes, RefusesBodiesOfAnotherShape) {
    EXPECT_FALSE(parse_user("not json"));
    EXPECT_FALSE(parse_user("[]"));
    EXPECT_FALSE(parse_user(R"({"nombre":"no id"})"));
    EXPECT_FALSE(parse_user(R"({"userId":"12a"})"));
    EXPECT_FALSE(parse_students(R"({"alumnoId":1})"));
    EXPECT_FALSE(parse_students(R"([{"rut":"1-9"}])"));
    EXPECT_FALSE(parse_permission(R"({"permitido":"yes"})"));
    EXPECT_FALSE(parse_permission(R"({})"));
    EXPECT_FALSE(parse_courses(R"([{"codigo":"X"}])"));
}

TEST(PhpBridgeTypes, ParsesStudentsAndPermission) {
    const auto s = parse_students(R"([{"alumnoId":100,"rut":"11111111-1","nombre":"Alumno Uno",
        "email":"a@alumnos.ucn.cl","carrera":"Ingeniería Civil Informática"},
        {"alumnoId":101,"rut":"2-7","nombre":"Dos","email":"","carrera":""}])");
    ASSERT_TRUE(s);
    ASSERT_EQ(s->size(), 2u);
    EXPECT_EQ((*s)[0].alumno_id, 100);
    EXPECT_EQ((*s)[1].rut, "2-7");
    EXPECT_EQ(parse_permission(R"({"permitido":true})"), std::optional<bool>(true));
    EXPECT_EQ(parse_permission(R"({"permitido":false})"), std::optional<bool>(false));
}

TEST(PhpBridgeTypes, AttendanceRecordHasTheProtocolsFieldNames) {
    const auto j = nlohmann::json::parse(to_json(attendance_record{7, 45, "2026-11-22", 88, 9}));
    EXPECT_EQ(j.at("userId"), 7);
    EXPECT_EQ(j.at("cursoId"), 45);
    EXPECT_EQ(j.at("fecha"), "2026-11-22");
    EXPECT_EQ(j.at("certeza"), 88);
    EXPECT_EQ(j.at("sessionId"), 9);
    EXPECT_EQ(j.size(), 5u);
}

TEST(PhpBridgeTypes, UserRoundTripsThroughItsCachedForm) {
    legacy_user u{5, "9-9", "Ana Soto", "a@ucn.cl", "", "alumno", false, false};
    const auto back = parse_user(to_json(u));
    ASSERT_TRUE(back);
    EXPECT_EQ(back->user_id, 5);
    EXPECT_EQ(back->nombre, "Ana Soto");
    EXPECT_EQ(back->rol, "alumno");
}

} // namespace
