// The CSV report (PROTOCOL.md 6.1, 6.6): every student of the list, UTF-8 BOM, quoting,
// formula neutralization, overrides, the headcount alert.
#include "asistencia/application/attendance/review.hpp"

#include <gtest/gtest.h>

namespace {

using namespace asistencia::application::attendance;

TEST(attendance_report, ListsEveryStudentWithTheEffectiveStatus) {
    session s;
    s.max_rounds = 3;
    session_review r;
    r.headcount = 1;
    student_review joined;
    joined.user_id = 1;
    joined.registration_id = 10;
    result_row res;
    res.score = 87.4;
    res.status = "PRESENT";
    res.successful_rounds = 3;
    res.median_ms = 512.6;
    joined.result = res;
    student_review overridden;
    overridden.user_id = 2;
    overridden.last_override = override_view{2, std::nullopt, "PRESENT", "other", "llegó; sin \"batería\"", 9, ""};
    r.students = {joined, overridden};
    const std::vector<course_student> list{
        {1, "1-9", "Ana Núñez", "ana@x.cl"}, {2, "2-7", "=HYPERLINK(\"x\")", "b@x.cl"}, {3, "3-5", "Carla", "c@x.cl"}};
    const auto csv = render_report_csv(s, r, list);
    ASSERT_EQ(csv.substr(0, 3), "\xEF\xBB\xBF");
    EXPECT_NE(csv.find("\r\n1;1-9;Ana Núñez;ana@x.cl;PRESENTE;87;3;3;513;no;;\r\n"), std::string::npos) << csv;
    EXPECT_NE(csv.find(";\"'=HYPERLINK(\"\"x\"\")\";"), std::string::npos) << "a name never runs as a formula: " << csv;
    EXPECT_NE(csv.find(";PRESENTE;\"other: llegó; sin \"\"batería\"\"\"\r\n"), std::string::npos) << csv;
    EXPECT_NE(csv.find("\r\n3;3-5;Carla;c@x.cl;NO SE UNIÓ;"), std::string::npos) << csv;
    EXPECT_NE(csv.find("presentes;2\r\n"), std::string::npos);
    EXPECT_NE(csv.find("alerta;"), std::string::npos) << "2 present, 1 counted in the room";
}

TEST(attendance_report, CsvFieldsNeverRunAsFormulasNorSplit) {
    // A comma splits a field in spreadsheets that guess the separator: quoted, and the
    // formula after it is inside the quoted text.
    EXPECT_EQ(csv_field("Ana,=HYPERLINK(\"x\")"), "\"Ana,=HYPERLINK(\"\"x\"\")\"");
    EXPECT_EQ(csv_field("=1+1"), "'=1+1");
    EXPECT_EQ(csv_field("\t=1+1"), "'\t=1+1");
    EXPECT_EQ(csv_field("\r=1+1"), "\"'\r=1+1\"");
    EXPECT_EQ(csv_field("+56 9"), "'+56 9");
    EXPECT_EQ(csv_field("@SUM(A1)"), "'@SUM(A1)");
    EXPECT_EQ(csv_field("-1"), "'-1");
    EXPECT_EQ(csv_field("Ana Núñez"), "Ana Núñez");
    EXPECT_EQ(csv_field("a;b"), "\"a;b\"");
    EXPECT_EQ(csv_field(""), "");
}

} // namespace
