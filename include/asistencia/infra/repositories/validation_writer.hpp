// Group commit of the answer path's attendance.validations rows: the INSERTs of
// concurrent answers share one multi-row statement (one round trip, one commit).
#pragma once

#include "asistencia/application/attendance/rounds.hpp"
#include "asistencia/infra/postgres/pool.hpp"

#include <boost/asio/awaitable.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace asistencia::infra::repositories {

namespace net = boost::asio;
namespace att = application::attendance;

struct validation_writer_settings {
    std::size_t max_rows = 128;  // rows per statement
    std::size_t max_writers = 2; // statements in flight at once (each holds one pool connection)
};

struct validation_writer_stats {
    std::uint64_t rows = 0;       // rows committed
    std::uint64_t statements = 0; // statements that committed (batches and fallback rows)
    std::uint64_t fallbacks = 0;  // batches rewritten row by row after a row was refused
};

// No timer and no added wait: a row whose writer slot is free is written at once; rows that
// arrive while max_writers statements run queue up and go together in the next statement
// (leader/follower, as PostgreSQL's own group commit). So a batch is "whatever arrived during
// one statement", a few milliseconds at most, and one row when the load is low.
//
// add() returns only after the row's statement committed. The statement is atomic: if
// PostgreSQL is down every row of it fails with the same dependency_unavailable error and
// none is stored. A batch refused for another reason (a row breaks a constraint) is written
// again row by row, so only the offending answer gets its conflict, invalid_value or internal error.
//
// Thread-safe; waiters resume on their own executors. Destroy it only after every add() ended.
class validation_writer {
public:
    explicit validation_writer(postgres::pool& pool, validation_writer_settings settings = {});
    ~validation_writer();
    validation_writer(const validation_writer&) = delete;
    validation_writer& operator=(const validation_writer&) = delete;

    net::awaitable<void> add(att::validation_row row);

    validation_writer_stats stats() const;

    static constexpr const char* statement_name = "attendance_validations_insert_batch";

private:
    struct pending;
    using batch = std::vector<std::shared_ptr<pending>>;

    net::awaitable<void> wait(std::shared_ptr<pending> p);
    net::awaitable<void> write_next_batch();
    net::awaitable<void> insert(const batch& rows);
    static std::array<std::string, 12> to_params(const batch& rows);
    void finish(const batch& rows);
    void hand_over();

    postgres::pool& pool_;
    const validation_writer_settings settings_;
    mutable std::mutex mu_;
    std::deque<std::shared_ptr<pending>> queue_; // rows not yet taken by a writer
    std::size_t writers_ = 0;                    // writer roles held (running or promoted)
    validation_writer_stats stats_;
};

} // namespace asistencia::infra::repositories
