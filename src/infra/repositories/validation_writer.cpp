// Group commit of validation rows; see validation_writer.hpp.
#include "asistencia/infra/repositories/validation_writer.hpp"

#include "asistencia/application/errors.hpp"

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <pqxx/pqxx>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <functional>
#include <string>

namespace asistencia::infra::repositories {

namespace {

#define TS(col) "to_timestamp(t." col " / 1000.0) AT TIME ZONE 'UTC'"
// One statement for any number of rows: the columns travel as twelve arrays (one prepared
// statement, no SQL built per batch); ORDINALITY keeps validation_id in arrival order.
constexpr const char* insert_batch_sql =
    "INSERT INTO attendance.validations (registration_id, round_number, qr_generated_at, qr_scanned_at, "
    "response_received_at, response_time_ms, totpu_valid, totps_valid, rt_valid, secret_valid, "
    "validation_status, failed_attempts) "
    "SELECT t.rid, t.rnd, " TS("gen") ", " TS("scan") ", " TS("recv") ", t.rt, t.tu, t.ts, t.rv, t.sv, t.st, t.fa "
    "FROM unnest($1::bigint[], $2::int[], $3::bigint[], $4::bigint[], $5::bigint[], $6::int[], $7::boolean[], "
    "$8::boolean[], $9::boolean[], $10::boolean[], $11::text[], $12::int[]) WITH ORDINALITY "
    "AS t(rid, rnd, gen, scan, recv, rt, tu, ts, rv, sv, st, fa, ord) ORDER BY t.ord";
#undef TS

// PostgreSQL array literals ("{1,NULL,3}"). Every element is a number, t/f/NULL or one of
// the four status words, so nothing needs quoting.
class array_literal {
public:
    void add(std::int64_t v) {
        sep();
        char buf[24];
        const auto r = std::to_chars(buf, buf + sizeof buf, v);
        text_.append(buf, r.ptr);
    }
    void add(bool v) {
        sep();
        text_ += v ? 't' : 'f';
    }
    void add(std::string_view word) {
        sep();
        text_ += word;
    }
    template <class T>
    void add(const std::optional<T>& v) {
        if (v) {
            add(*v);
        } else {
            sep();
            text_ += "NULL";
        }
    }
    std::string done() {
        text_ += '}';
        return std::move(text_);
    }

private:
    void sep() { text_ += text_.size() == 1 ? "" : ","; }
    std::string text_ = "{";
};

bool is_unavailable(const std::exception_ptr& e) {
    try {
        std::rethrow_exception(e);
    } catch (const application::dependency_unavailable&) {
        return true;
    } catch (...) {
        return false;
    }
}

} // namespace

struct validation_writer::pending {
    att::validation_row row;
    bool done = false; // its statement ended (committed, or failed with `error`)
    bool lead = false; // promoted: it writes the next batch
    std::exception_ptr error;
    std::function<void()> wake; // set while its coroutine is suspended in wait()
};

validation_writer::validation_writer(postgres::pool& pool, validation_writer_settings settings)
    : pool_(pool), settings_(settings) {
    if (settings_.max_rows == 0 || settings_.max_writers == 0) {
        throw std::invalid_argument("validation_writer: max_rows and max_writers must be at least 1");
    }
    pool_.prepare(statement_name, insert_batch_sql);
}

validation_writer::~validation_writer() = default;

validation_writer_stats validation_writer::stats() const {
    std::lock_guard lk(mu_);
    return stats_;
}

net::awaitable<void> validation_writer::add(att::validation_row row) {
    auto p = std::make_shared<pending>();
    p->row = row;
    bool lead = false;
    {
        std::lock_guard lk(mu_);
        queue_.push_back(p);
        if (writers_ < settings_.max_writers) {
            ++writers_;
            lead = true;
        }
    }
    for (;;) {
        if (lead) {
            lead = false;
            co_await write_next_batch();
        }
        {
            std::lock_guard lk(mu_);
            // The writer role first: a promoted row may already be done (another writer
            // took it), and its role must still run or the queue would stall.
            if (p->lead) {
                p->lead = false;
                lead = true;
            } else if (p->done) {
                break;
            }
        }
        if (!lead) co_await wait(p);
    }
    if (p->error) std::rethrow_exception(p->error);
}

// Not a coroutine (GCC 12 and lambdas inside co_await): returns the operation's awaitable.
net::awaitable<void> validation_writer::wait(std::shared_ptr<pending> p) {
    return net::async_initiate<const net::use_awaitable_t<>&, void()>(
        [this, p](auto handler) {
            // std::function needs a copyable target; the handler is move-only.
            auto h = std::make_shared<decltype(handler)>(std::move(handler));
            auto resume = [h]() {
                auto ex = net::get_associated_executor(*h);
                net::post(ex, std::move(*h));
            };
            std::lock_guard lk(mu_);
            if (p->done || p->lead) {
                resume();
            } else {
                p->wake = std::move(resume);
            }
        },
        net::use_awaitable);
}

net::awaitable<void> validation_writer::write_next_batch() {
    batch rows;
    {
        std::lock_guard lk(mu_);
        const auto n = std::min(queue_.size(), settings_.max_rows);
        rows.assign(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
        queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
    }
    if (!rows.empty()) {
        std::exception_ptr failed;
        try {
            co_await insert(rows);
        } catch (...) {
            failed = std::current_exception();
        }
        if (failed && rows.size() > 1 && !is_unavailable(failed)) {
            // One row broke the statement (nothing of it is stored): each row alone, so only
            // the offending answer fails.
            spdlog::info("validation_writer: a batch of {} rows was refused; writing them one by one", rows.size());
            {
                std::lock_guard lk(mu_);
                ++stats_.fallbacks;
            }
            for (auto& r : rows) {
                const batch one{r};
                try {
                    co_await insert(one);
                } catch (...) {
                    r->error = std::current_exception();
                }
            }
        } else {
            for (auto& r : rows) r->error = failed;
        }
        finish(rows);
    }
    hand_over();
}

std::array<std::string, 12> validation_writer::to_params(const batch& rows) {
    array_literal rid, rnd, gen, scan, recv, rt, tu, ts, rv, sv, st, fa;
    for (const auto& r : rows) {
        const auto& v = r->row;
        rid.add(v.registration_id);
        rnd.add(std::int64_t{v.round});
        gen.add(v.qr_generated_at_ms);
        scan.add(v.qr_scanned_at_ms);
        recv.add(v.response_received_at_ms);
        rt.add(v.response_time_ms);
        tu.add(v.totpu_valid);
        ts.add(v.totps_valid);
        rv.add(v.rt_valid);
        sv.add(v.secret_valid);
        st.add(att::to_string(v.status));
        fa.add(std::int64_t{v.failed_attempts});
    }
    return {rid.done(), rnd.done(), gen.done(), scan.done(), recv.done(), rt.done(),
            tu.done(),  ts.done(),  rv.done(),  sv.done(),   st.done(),   fa.done()};
}

net::awaitable<void> validation_writer::insert(const batch& rows) {
    const auto params = to_params(rows);
    co_await pool_.with_single_statement(statement_name, [&params](pqxx::nontransaction& tx) {
        tx.exec_prepared(statement_name, params[0], params[1], params[2], params[3], params[4], params[5], params[6],
                         params[7], params[8], params[9], params[10], params[11]);
    });
    std::lock_guard lk(mu_);
    stats_.rows += rows.size();
    ++stats_.statements;
}

void validation_writer::finish(const batch& rows) {
    std::lock_guard lk(mu_);
    for (const auto& r : rows) {
        r->done = true;
        if (r->wake) {
            auto wake = std::move(r->wake);
            r->wake = nullptr;
            wake();
        }
    }
}

// The writer role passes to the oldest queued row not already promoted, else it ends.
void validation_writer::hand_over() {
    std::lock_guard lk(mu_);
    for (auto& q : queue_) {
        if (q->lead) continue;
        q->lead = true;
        if (q->wake) {
            auto wake = std::move(q->wake);
            q->wake = nullptr;
            wake();
        }
        return;
    }
    --writers_;
}

} // namespace asistencia::infra::repositories
