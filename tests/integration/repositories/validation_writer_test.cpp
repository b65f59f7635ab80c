// validation_writer (group commit of the answer path's INSERTs) against the real PostgreSQL:
// concurrent rows share statements and all commit, a refused row fails alone, and with
// PostgreSQL stopped every waiting answer gets postgres_unavailable (503 on the wire) and nothing is stored.
#include "asistencia/infra/repositories/validation_writer.hpp"
#include "asistencia/application/errors.hpp"
#include "asistencia/infra/postgres/migrations.hpp"
#include "pg_test_env.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>
#include <optional>

#include <exception>
#include <string>
#include <vector>

namespace {

namespace net = boost::asio;
namespace pg = asistencia::infra::postgres;
namespace att = asistencia::application::attendance;
using asistencia::application::dependency_unavailable;
using asistencia::application::errc;
using asistencia::application::error;
using asistencia::infra::repositories::validation_writer;
using asistencia::infra::repositories::validation_writer_settings;

constexpr std::int64_t base_ms = 1795000000000; // 2026-11-18T...Z

att::validation_row row_for(std::int64_t registration, int n) {
    att::validation_row v;
    v.registration_id = registration;
    v.round = 1 + n % 10;
    v.qr_generated_at_ms = base_ms + n;
    if (n % 2 == 0) v.qr_scanned_at_ms = base_ms + n + 40;
    v.response_received_at_ms = base_ms + n + 900;
    if (n % 3 == 0) v.response_time_ms = 900;
    v.totpu_valid = n % 2 == 0;
    if (n % 5 != 0) v.totps_valid = true;
    v.rt_valid = false;
    v.secret_valid = true;
    v.status = n % 4 == 0 ? att::validation_status::success : att::validation_status::failed;
    v.failed_attempts = n % 3;
    return v;
}

// Outcome of one add(): "ok", or the error's kind and code.
struct outcome {
    std::string what = "pending";
    std::optional<errc> kind;
};

class validation_writer_test : public ::testing::Test {
protected:
    validation_writer_test() : db_("valwriter") {
        pg::migrate_up(db_.settings());
        session_ =
            sql("INSERT INTO attendance.sessions (professor_id, professor_name, course_code, course_name, "
                "room, semester, start_time, course_id, semester_id, status, max_rounds) VALUES (1, 'Prof', "
                "'ICI-1151', 'Curso', 'A-1', '2026-2', '2026-11-20 15:00:00', 1, 2, 'active', 10) "
                "RETURNING session_id");
        for (int i = 0; i < 10; ++i) {
            registrations_.push_back(std::stoll(
                sql("INSERT INTO attendance.registrations (session_id, user_id, queue_position) VALUES (" + session_ +
                    ", " + std::to_string(700000 + i) + ", " + std::to_string(i + 1) + ") RETURNING registration_id")));
        }
    }

    std::string sql(const std::string& q) {
        pqxx::connection c(pg::conninfo(db_.settings()));
        pqxx::nontransaction tx(c);
        const auto r = tx.exec(q);
        return r.empty() || r[0][0].is_null() ? std::string() : r[0][0].as<std::string>();
    }
    long count() { return std::stol(sql("SELECT count(*) FROM attendance.validations")); }

    // Starts every add() before any runs (they queue behind the first statements), runs
    // the loop until all ended.
    std::vector<outcome> add_all(validation_writer& w, const std::vector<att::validation_row>& rows) {
        net::io_context io;
        std::vector<outcome> out(rows.size());
        for (std::size_t i = 0; i < rows.size(); ++i) {
            net::co_spawn(
                io,
                [&w, &out, i, row = rows[i]]() -> net::awaitable<void> {
                    try {
                        co_await w.add(row);
                        out[i].what = "ok";
                    } catch (const error& e) {
                        out[i].what = e.code();
                        out[i].kind = e.kind();
                    }
                },
                [](std::exception_ptr e) {
                    if (e) std::rethrow_exception(e);
                });
        }
        io.run();
        return out;
    }

    pg_test::scratch_database db_;
    pg::pool pool_{db_.settings()};
    std::string session_;
    std::vector<std::int64_t> registrations_;
};

TEST_F(validation_writer_test, concurrent_rows_share_few_statements_and_all_commit_with_their_values) {
    validation_writer w(pool_, validation_writer_settings{128, 2});
    std::vector<att::validation_row> rows;
    for (int n = 0; n < 200; ++n) rows.push_back(row_for(registrations_[static_cast<std::size_t>(n % 10)], n));
    const auto out = add_all(w, rows);
    for (std::size_t i = 0; i < out.size(); ++i) EXPECT_EQ(out[i].what, "ok") << "row " << i;

    EXPECT_EQ(count(), 200);
    const auto st = w.stats();
    EXPECT_EQ(st.rows, 200u);
    // Two writers take the first two rows; the 198 queued behind them go in at most two
    // statements of 128 rows, and the last hand-over may find a few more.
    EXPECT_LE(st.statements, 6u);
    EXPECT_GE(st.statements, 3u);
    EXPECT_EQ(st.fallbacks, 0u);

    // Every column as the row had it, NULLs included.
    for (const int n : {0, 1, 3, 5, 199}) {
        const auto& v = rows[static_cast<std::size_t>(n)];
        const auto got = sql(
            "SELECT concat_ws('|', registration_id, round_number, (EXTRACT(EPOCH FROM qr_generated_at) * 1000)::bigint,"
            " COALESCE((EXTRACT(EPOCH FROM qr_scanned_at) * 1000)::bigint::text, 'null'),"
            " (EXTRACT(EPOCH FROM response_received_at) * 1000)::bigint, COALESCE(response_time_ms::text, 'null'),"
            " COALESCE(totpu_valid::text, 'null'), COALESCE(totps_valid::text, 'null'), rt_valid::text, "
            "secret_valid::text,"
            " validation_status, failed_attempts) FROM attendance.validations WHERE qr_generated_at = "
            "to_timestamp(" +
            std::to_string(v.qr_generated_at_ms) + " / 1000.0) AT TIME ZONE 'UTC'");
        const auto b = [](const std::optional<bool>& x) { return x ? (*x ? "true" : "false") : "null"; };
        const std::string want = std::to_string(v.registration_id) + "|" + std::to_string(v.round) + "|" +
                                 std::to_string(v.qr_generated_at_ms) + "|" +
                                 (v.qr_scanned_at_ms ? std::to_string(*v.qr_scanned_at_ms) : "null") + "|" +
                                 std::to_string(v.response_received_at_ms) + "|" +
                                 (v.response_time_ms ? std::to_string(*v.response_time_ms) : "null") + "|" +
                                 b(v.totpu_valid) + "|" + b(v.totps_valid) + "|" + b(v.rt_valid) + "|" +
                                 b(v.secret_valid) + "|" + std::string(att::to_string(v.status)) + "|" +
                                 std::to_string(v.failed_attempts);
        EXPECT_EQ(got, want) << "row " << n;
    }
}

TEST_F(validation_writer_test, a_refused_row_fails_alone_and_its_batch_neighbours_commit) {
    validation_writer w(pool_, validation_writer_settings{128, 1});
    std::vector<att::validation_row> rows;
    for (int n = 0; n < 20; ++n) rows.push_back(row_for(registrations_[static_cast<std::size_t>(n % 10)], n));
    rows[7].registration_id = 987654321; // no such registration: a foreign-key violation
    const auto out = add_all(w, rows);
    for (std::size_t i = 0; i < out.size(); ++i) {
        if (i == 7) {
            EXPECT_EQ(out[i].kind, errc::conflict) << out[i].what;
        } else {
            EXPECT_EQ(out[i].what, "ok") << "row " << i;
        }
    }
    EXPECT_EQ(count(), 19);
    // The first row went alone; the 19 queued behind it shared one statement, which the bad
    // row broke, so they were written again one by one.
    EXPECT_EQ(w.stats().fallbacks, 1u);
    EXPECT_EQ(w.stats().rows, 19u);
    // One writer: statements run one after the other, so validation_id is the arrival order.
    EXPECT_EQ(sql("SELECT bool_and(ordered) FROM (SELECT qr_generated_at >= lag(qr_generated_at, 1, "
                  "qr_generated_at) OVER (ORDER BY validation_id) AS ordered FROM attendance.validations) o"),
              "t");
}

TEST_F(validation_writer_test, postgres_down_every_waiting_answer_gets_503_and_nothing_is_stored) {
    validation_writer w(pool_, validation_writer_settings{128, 2});
    // A committed row first, so the pool holds open connections that the stop kills.
    ASSERT_EQ(add_all(w, {row_for(registrations_[0], 1)})[0].what, "ok");
    std::vector<att::validation_row> rows;
    for (int n = 0; n < 30; ++n) rows.push_back(row_for(registrations_[static_cast<std::size_t>(n % 10)], 100 + n));
    {
        pg_test::restart_guard guard;
        pg_test::svc("postgres stop");
        const auto out = add_all(w, rows);
        for (std::size_t i = 0; i < out.size(); ++i) {
            EXPECT_EQ(out[i].kind, errc::dependency_unavailable) << "row " << i << ": " << out[i].what;
            EXPECT_EQ(out[i].what, "postgres_unavailable") << "row " << i;
        }
        pg_test::svc("postgres start");
    }
    EXPECT_EQ(count(), 1) << "a row of a failed statement was stored";
    // The writer roles came back: the next answers are written again.
    const auto after = add_all(w, {row_for(registrations_[1], 500), row_for(registrations_[2], 501)});
    EXPECT_EQ(after[0].what, "ok");
    EXPECT_EQ(after[1].what, "ok");
    EXPECT_EQ(count(), 3);
}

} // namespace
