// The semester summary CSV (docs/attendance.md): the report's conventions (BOM, ';', CRLF,
// formula-safe fields, Spanish labels), one column per session, totals and percentage.
#include "asistencia/application/attendance/history.hpp"

#include <gtest/gtest.h>

namespace {

using namespace asistencia::application::attendance;

TEST(attendance_summary, RendersOneRowPerStudentWithTheReportsConventions) {
    course_summary s;
    s.sessions = {{11, "2026-09-01", "2026-09-01T10:00:00.000Z", "A"},
                  {12, "2026-09-08", "2026-09-08T10:00:00.000Z", "A"}};
    summary_student a;
    a.user_id = 1;
    a.rut = "1-9";
    a.name = "Ana; Núñez";
    a.attended = 1;
    a.total = 2;
    a.percentage = 50.0;
    a.statuses = {"PRESENT", "NOT_JOINED"};
    summary_student b;
    b.user_id = 2;
    b.rut = "";
    b.name = "=cmd()";
    b.attended = 2;
    b.total = 2;
    b.percentage = 100.0;
    b.statuses = {"PRESENT", "PRESENT"};
    summary_student c;
    c.user_id = 3;
    c.name = "Carla";
    c.attended = 0;
    c.total = 2;
    c.percentage = 0.0;
    c.statuses = {"DOUBTFUL", "ABSENT"};
    s.students = {a, b, c};
    const auto csv = render_summary_csv(s);
    EXPECT_EQ(csv,
              "\xEF\xBB\xBF"
              "id_alumno;rut;nombre;2026-09-01 #11;2026-09-08 #12;asistidas;sesiones;porcentaje\r\n"
              "1;1-9;\"Ana; Núñez\";PRESENTE;NO SE UNIÓ;1;2;50.0\r\n"
              "2;;'=cmd();PRESENTE;PRESENTE;2;2;100.0\r\n"
              "3;;Carla;DUDOSO;AUSENTE;0;2;0.0\r\n");
}

TEST(attendance_summary, NoSessionsLeaveThePercentageEmpty) {
    course_summary s;
    summary_student a;
    a.user_id = 7;
    a.name = "Solo";
    s.students = {a};
    EXPECT_EQ(render_summary_csv(s),
              "\xEF\xBB\xBF"
              "id_alumno;rut;nombre;asistidas;sesiones;porcentaje\r\n7;;Solo;0;0;\r\n");
}

} // namespace
