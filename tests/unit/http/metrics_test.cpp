// Metrics registry: Prometheus text rendering of counters, gauges, histograms, callbacks.
#include "asistencia/transport/http/metrics.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

using namespace asistencia::transport::http;

namespace {

bool contains(const std::string& text, const std::string& line) { return text.find(line) != std::string::npos; }

TEST(metrics, counter_with_labels) {
    metrics_registry reg;
    auto& f = reg.add_counter("asistencia_http_requests_total", "HTTP requests", {"method", "route", "status"});
    f.with({"GET", "/healthz", "200"}).inc();
    f.with({"GET", "/healthz", "200"}).inc(2);
    f.with({"POST", "/api/x/:id", "404"}).inc();
    auto text = reg.render();
    EXPECT_TRUE(contains(text, "# HELP asistencia_http_requests_total HTTP requests\n"));
    EXPECT_TRUE(contains(text, "# TYPE asistencia_http_requests_total counter\n"));
    EXPECT_TRUE(contains(text, "asistencia_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"} 3\n"));
    EXPECT_TRUE(
        contains(text, "asistencia_http_requests_total{method=\"POST\",route=\"/api/x/:id\",status=\"404\"} 1\n"));
}

TEST(metrics, same_labels_give_same_cell) {
    metrics_registry reg;
    auto& f = reg.add_counter("c_total", "c", {"a"});
    EXPECT_EQ(&f.with({"x"}), &f.with({"x"}));
    EXPECT_NE(&f.with({"x"}), &f.with({"y"}));
}

TEST(metrics, label_values_are_escaped) {
    metrics_registry reg;
    reg.add_counter("c_total", "c", {"a"}).with({"q\"b\\n\nz"}).inc();
    EXPECT_TRUE(contains(reg.render(), "c_total{a=\"q\\\"b\\\\n\\nz\"} 1\n"));
    EXPECT_EQ(escape_label_value("a\"b"), "a\\\"b");
}

TEST(metrics, gauge_without_labels) {
    metrics_registry reg;
    auto& g = reg.add_gauge("asistencia_http_open_connections", "open").with({});
    g.inc();
    g.inc();
    g.dec();
    auto text = reg.render();
    EXPECT_TRUE(contains(text, "# TYPE asistencia_http_open_connections gauge\n"));
    EXPECT_TRUE(contains(text, "asistencia_http_open_connections 1\n"));
}

TEST(metrics, histogram_buckets_are_cumulative) {
    metrics_registry reg;
    auto& h = reg.add_histogram("lat_seconds", "latency", {"route"}, {0.1, 1});
    auto& cell = h.with({"/a"});
    cell.observe(0.05);
    cell.observe(0.1); // le is inclusive
    cell.observe(0.5);
    cell.observe(3);
    auto text = reg.render();
    EXPECT_TRUE(contains(text, "# TYPE lat_seconds histogram\n"));
    EXPECT_TRUE(contains(text, "lat_seconds_bucket{route=\"/a\",le=\"0.1\"} 2\n"));
    EXPECT_TRUE(contains(text, "lat_seconds_bucket{route=\"/a\",le=\"1\"} 3\n"));
    EXPECT_TRUE(contains(text, "lat_seconds_bucket{route=\"/a\",le=\"+Inf\"} 4\n"));
    EXPECT_TRUE(contains(text, "lat_seconds_sum{route=\"/a\"} 3.65\n"));
    EXPECT_TRUE(contains(text, "lat_seconds_count{route=\"/a\"} 4\n"));
}

TEST(metrics, callbacks_are_read_at_render_time) {
    metrics_registry reg;
    double in_use = 2;
    reg.add_gauge_callback("asistencia_db_pool_in_use", "connections in use", [&] { return in_use; });
    reg.add_counter_callback("asistencia_valkey_reconnects_total", "reconnects", [] { return 7.0; });
    reg.add_gauge_callback("broken", "throws", []() -> double { throw std::runtime_error("x"); });
    EXPECT_TRUE(contains(reg.render(), "asistencia_db_pool_in_use 2\n"));
    in_use = 5;
    auto text = reg.render();
    EXPECT_TRUE(contains(text, "asistencia_db_pool_in_use 5\n"));
    EXPECT_TRUE(contains(text, "# TYPE asistencia_valkey_reconnects_total counter\n"));
    EXPECT_TRUE(contains(text, "asistencia_valkey_reconnects_total 7\n"));
    EXPECT_TRUE(contains(text, "broken NaN\n"));
}

TEST(metrics, rejects_bad_registrations) {
    metrics_registry reg;
    EXPECT_THROW(reg.add_counter("1bad", "x"), std::invalid_argument);
    EXPECT_THROW(reg.add_counter("bad-name", "x"), std::invalid_argument);
    EXPECT_THROW(reg.add_counter("ok", "x", {"le"}), std::invalid_argument);
    EXPECT_THROW(reg.add_counter("ok2", "x", {"a:b"}), std::invalid_argument);
    EXPECT_THROW(reg.add_histogram("h", "x", {}, {1, 0.5}), std::invalid_argument);
    auto& f = reg.add_counter("dup", "x", {"a"});
    EXPECT_THROW(reg.add_gauge("dup", "x"), std::invalid_argument);
    EXPECT_THROW(f.with({"1", "2"}), std::invalid_argument);
}

TEST(metrics, number_formatting) {
    EXPECT_EQ(format_metric_value(0), "0");
    EXPECT_EQ(format_metric_value(42), "42");
    EXPECT_EQ(format_metric_value(0.0005), "0.0005");
    EXPECT_EQ(format_metric_value(2.5), "2.5");
    EXPECT_EQ(format_metric_value(1.0 / 0.0), "+Inf");
}

} // namespace
