// Background sampling of database sizes and Valkey memory into gauges; see the header.
#include "asistencia/main/resource_metrics.hpp"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <pqxx/pqxx>
#include <spdlog/spdlog.h>

#include <charconv>
#include <utility>
#include <vector>

namespace asistencia::main {

namespace net = boost::asio;
namespace http = transport::http;

namespace {

// The node database and its tables (heap + indexes + TOAST) in the schemas the server owns.
constexpr const char* sizes_sql = R"(
SELECT 'database', pg_database_size(current_database())
UNION ALL
SELECT n.nspname || '.' || c.relname, pg_total_relation_size(c.oid)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND n.nspname IN ('enrollment', 'attendance', 'public'))";

struct gauges {
    http::gauge& db_size;
    http::gauge_family& table_size;
    http::gauge& valkey_used;
    http::gauge& valkey_max;
    http::gauge& valkey_keys;
    http::counter& failures;
};

using sizes = std::vector<std::pair<std::string, double>>;

sizes read_sizes(pqxx::read_transaction& tx) {
    sizes out;
    for (const auto& r : tx.exec(sizes_sql)) out.emplace_back(r[0].as<std::string>(), r[1].as<double>());
    return out;
}

// Plain functions, not coroutines: g++ 12 miscompiles braced lists inside coroutines.
void apply_sizes(gauges& g, const sizes& rows) {
    for (const auto& [name, bytes] : rows) {
        if (name == "database")
            g.db_size.set(bytes);
        else
            g.table_size.with({name}).set(bytes);
    }
}

void apply_info(gauges& g, const infra::valkey::reply& info) {
    if (const auto text = info.text()) {
        if (const auto v = info_field(*text, "used_memory")) g.valkey_used.set(*v);
        if (const auto v = info_field(*text, "maxmemory")) g.valkey_max.set(*v);
    }
}

infra::valkey::command_args words(std::string a, std::string b = {}) {
    infra::valkey::command_args out{std::move(a)};
    if (!b.empty()) out.push_back(std::move(b));
    return out;
}

net::awaitable<void> sample_database(gauges& g, infra::postgres::pool& pg) {
    apply_sizes(g, co_await pg.with_read_transaction("metrics.sizes", read_sizes));
}

net::awaitable<void> sample_valkey(gauges& g, infra::valkey::client& kv) {
    apply_info(g, co_await kv.command(words("INFO", "memory")));
    const auto keys = co_await kv.command(words("DBSIZE"));
    if (keys.type == infra::valkey::reply::kind::integer) g.valkey_keys.set(static_cast<double>(keys.integer));
}

gauges make_gauges(http::metrics_registry& metrics) {
    return gauges{
        metrics.add_gauge("asistencia_db_size_bytes", "Size of the node database (sampled).").with({}),
        metrics.add_gauge("asistencia_db_table_size_bytes", "Size of each table with its indexes and TOAST (sampled).",
                          {"table"}),
        metrics.add_gauge("asistencia_valkey_used_memory_bytes", "Valkey INFO used_memory (sampled).").with({}),
        metrics.add_gauge("asistencia_valkey_maxmemory_bytes", "Valkey maxmemory, 0 = no limit (sampled).").with({}),
        metrics.add_gauge("asistencia_valkey_keys", "Keys in Valkey's database, DBSIZE (sampled).").with({}),
        metrics
            .add_counter("asistencia_resource_sample_failures_total",
                         "Size samples that failed (PostgreSQL or Valkey down).")
            .with({})};
}

} // namespace

std::optional<double> info_field(std::string_view info, std::string_view field) {
    std::size_t at = 0;
    while (at < info.size()) {
        auto end = info.find('\n', at);
        if (end == std::string_view::npos) end = info.size();
        auto line = info.substr(at, end - at);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.size() > field.size() && line.substr(0, field.size()) == field && line[field.size()] == ':') {
            const auto value = line.substr(field.size() + 1);
            double v = 0;
            const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
            if (ec == std::errc{} && ptr == value.data() + value.size()) return v;
            return std::nullopt;
        }
        at = end + 1;
    }
    return std::nullopt;
}

net::awaitable<void> sample_resources(http::metrics_registry& metrics, infra::postgres::pool& pg,
                                      infra::valkey::client& kv, std::chrono::seconds interval) {
    gauges g = make_gauges(metrics);
    net::steady_timer timer(co_await net::this_coro::executor);
    for (;;) {
        try {
            co_await sample_database(g, pg);
        } catch (const std::exception& e) {
            g.failures.inc();
            spdlog::debug("metrics: database size sample failed: {}", e.what());
        }
        try {
            co_await sample_valkey(g, kv);
        } catch (const std::exception& e) {
            g.failures.inc();
            spdlog::debug("metrics: valkey sample failed: {}", e.what());
        }
        timer.expires_after(interval);
        boost::system::error_code ec;
        co_await timer.async_wait(net::redirect_error(net::use_awaitable, ec));
        if (ec) co_return;
    }
}

} // namespace asistencia::main
