// The metrics the runbook alerts on (docs/operations.md) through the real server and
// services: database and table sizes, Valkey memory and key count (sampled in the
// background every 60 s, so a scrape is cheap and keeps answering while Valkey is down), and PHP
// latency as a histogram. Also measures what one active class costs in Valkey (printed
// for the runbook's sizing table).
#include "frame_stand_in.hpp"

#include <cctype>
#include <cmath>
#include <regex>
#include <sstream>
#include <thread>

using namespace class_test;
using class_test::frame_stand_in;
using server_test::http::verb;

namespace {

// The value of one sample line of /metrics ("name{labels} value"); nullopt when absent.
std::optional<double> sample(const std::string& text, const std::string& series) {
    const auto at = text.find("\n" + series + " ");
    if (at == std::string::npos) return std::nullopt;
    return std::stod(text.substr(at + series.size() + 2));
}

class resource_metrics : public ::testing::Test {
protected:
    resource_metrics()
        : port_(server_test::free_port()),
          origin_("http://localhost:" + std::to_string(port_)),
          prefix_("ops-metrics-" + std::to_string(::getpid()) + ":"),
          server_({}, {{"PORT", std::to_string(port_)},
                       {"WEBAUTHN_ORIGINS", origin_},
                       {"WEBAUTHN_RP_ID", "localhost"},
                       {"REENROLL_COOLDOWN_HOURS", "0"},
                       {"SERVER_MASTER_KEY", test_master_key_b64()},
                       {"KEY_PREFIX", prefix_}}) {
        auto ready =
            server_test::poll(port_, "/readyz", [](const server_test::response& r) { return r.status == 200; });
        if (!ready || ready->status != 200) ADD_FAILURE() << "server not ready: " << server_.output();
    }

    std::string metrics() {
        const auto r = server_test::get(port_, "/metrics");
        return r && r->status == 200 ? "\n" + r->body : std::string();
    }

    // /metrics once the first background sample is in (the gauges read 0 until then).
    std::string sampled() {
        auto r = server_test::poll(port_, "/metrics", [](const server_test::response& m) {
            const auto text = "\n" + m.body;
            return sample(text, "asistencia_valkey_used_memory_bytes").value_or(0) > 0 &&
                   sample(text, "asistencia_db_size_bytes").value_or(0) > 0;
        });
        return r ? "\n" + r->body : std::string();
    }

    std::uint16_t port_;
    std::string origin_;
    std::string prefix_;
    server_test::server_process server_;
};

TEST_F(resource_metrics, SizesOfTheDatabaseItsTablesAndValkeyAreSampled) {
    const auto m = sampled();
    const auto db = sample(m, "asistencia_db_size_bytes");
    ASSERT_TRUE(db.has_value()) << m;
    const auto real_db = std::stod(sql("SELECT pg_database_size(current_database())"));
    EXPECT_GT(*db, 1e6) << "a PostgreSQL database is megabytes even when empty";
    EXPECT_LT(std::abs(*db - real_db), real_db * 0.5) << "close to what PostgreSQL reports now";
    for (const char* table : {"enrollment.devices", "attendance.results", "attendance.legacy_outbox",
                              "attendance.validations", "public.schema_migrations"}) {
        const auto v = sample(m, std::string("asistencia_db_table_size_bytes{table=\"") + table + "\"}");
        ASSERT_TRUE(v.has_value()) << table << "\n" << m;
        EXPECT_GE(*v, 8192) << table << ": at least one page (its indexes count too)";
    }
    const auto used = sample(m, "asistencia_valkey_used_memory_bytes");
    ASSERT_TRUE(used.has_value()) << m;
    EXPECT_GT(*used, 100000) << "Valkey itself takes hundreds of kB";
    ASSERT_TRUE(sample(m, "asistencia_valkey_maxmemory_bytes").has_value()) << m;
    const auto keys = sample(m, "asistencia_valkey_keys");
    ASSERT_TRUE(keys.has_value());
    EXPECT_GE(*keys, 0);
    EXPECT_EQ(sample(m, "asistencia_resource_sample_failures_total"), 0.0) << m;
}

TEST_F(resource_metrics, PhpLatencyIsAHistogram) {
    ASSERT_EQ(call(port_, verb::get, "/api/me", student_token(100005)).status, 200);
    const auto m = metrics();
    const auto count = sample(m, "asistencia_php_request_duration_seconds_count");
    ASSERT_TRUE(count.has_value()) << m;
    EXPECT_GE(*count, 1);
    EXPECT_EQ(sample(m, "asistencia_php_request_duration_seconds_bucket{le=\"+Inf\"}"), count);
    EXPECT_GT(*sample(m, "asistencia_php_request_duration_seconds_sum"), 0);
    // Buckets are cumulative: none holds more than the next.
    const std::regex bucket(R"(\nasistencia_php_request_duration_seconds_bucket\{le="[^"]+"\} ([0-9.e+]+))");
    double previous = 0;
    int buckets = 0;
    for (std::sregex_iterator it(m.begin(), m.end(), bucket), end; it != end; ++it, ++buckets) {
        const double v = std::stod((*it)[1]);
        EXPECT_GE(v, previous);
        previous = v;
    }
    EXPECT_GE(buckets, 5) << m;
}

TEST_F(resource_metrics, AScrapeAnswersWhileValkeyIsDownAndKeepsTheLastSample) {
    const auto before = sampled();
    ASSERT_TRUE(sample(before, "asistencia_valkey_used_memory_bytes").has_value()) << before;
    server_test::svc("valkey", "stop");
    const auto during = metrics();
    server_test::svc("valkey", "start");
    ASSERT_FALSE(during.empty()) << "/metrics answers with Valkey down";
    EXPECT_EQ(sample(during, "asistencia_valkey_used_memory_bytes"),
              sample(before, "asistencia_valkey_used_memory_bytes"))
        << "the scrape did not query Valkey: it shows the last sample";
}

// What one active class costs in Valkey: 20 students joined with their rounds shown, every
// key under this server's prefix summed with MEMORY USAGE. Printed for docs/operations.md.
TEST_F(resource_metrics, OneActiveClassInValkeyIsMeasured) {
    constexpr int students = 20;
    const auto used_memory = [] {
        const auto info = server_test::valkey_cli("INFO memory");
        const auto at = info.find("used_memory:");
        return at == std::string::npos ? 0.0 : std::stod(info.substr(at + 12));
    };
    frame_stand_in frames(prefix_);
    const double memory_before = used_memory();
    const auto opened = call(port_, verb::post, "/api/attendance/sessions", professor_token(1),
                             {{"courseId", 1}, {"semesterId", 2}, {"room", "Sala 3"}, {"maxRounds", 3}});
    ASSERT_EQ(opened.status, 201) << opened.body.dump();
    const auto sid = opened.body.value("sessionId", std::int64_t{0});
    std::vector<std::unique_ptr<phone>> phones;
    for (int i = 0; i < students; ++i) {
        const std::int64_t user = 100011 + i; // course 1 lists 100001..100040
        server_test::forget_enrollments(user);
        phones.push_back(std::make_unique<phone>(port_, origin_, user));
        ASSERT_EQ(phones.back()->enroll(), 200) << phones.back()->last_error();
        ASSERT_EQ(phones.back()->join(sid).status, 200);
        ASSERT_FALSE(frames.show(sid, *phones.back(), 1).empty());
    }
    const auto keys = server_test::valkey_cli("--scan --pattern '" + prefix_ + "*'");
    double bytes = 0;
    int count = 0;
    std::istringstream lines(keys);
    for (std::string key; std::getline(lines, key);) {
        if (key.empty()) continue;
        const auto usage = server_test::valkey_cli("MEMORY USAGE '" + key + "'");
        if (!usage.empty() && std::isdigit(static_cast<unsigned char>(usage[0]))) bytes += std::stod(usage);
        ++count;
    }
    const double memory_after = used_memory();
    std::printf(
        "valkey sizing: one active class of %d students = %d keys, %.0f bytes by MEMORY USAGE "
        "(%.0f per student); INFO used_memory grew by %.0f bytes\n",
        students, count, bytes, bytes / students, memory_after - memory_before);
    EXPECT_GE(count, students) << "at least one round key per student: " << keys;
    EXPECT_GT(bytes, 0);
    call(port_, verb::post, "/api/attendance/sessions/" + std::to_string(sid) + "/close", professor_token(1));
}

} // namespace
