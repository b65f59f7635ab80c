// Prometheus metrics registry: labelled counters, gauges and histograms plus callback
// metrics other components register; render() produces the text exposition format 0.0.4.
// Pure (no Asio). Families and label sets are created under a mutex (rare); updates on a
// cell are relaxed atomics, and cell references stay valid for the registry's lifetime,
// so hot paths look a cell up once and keep the reference.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace asistencia::transport::http {

class counter {
public:
    void inc(std::uint64_t n = 1) noexcept { value_.fetch_add(n, std::memory_order_relaxed); }
    std::uint64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }

private:
    std::atomic<std::uint64_t> value_{0};
};

class gauge {
public:
    void set(double v) noexcept { value_.store(v, std::memory_order_relaxed); }
    void inc(double d = 1) noexcept { add(d); }
    void dec(double d = 1) noexcept { add(-d); }
    double value() const noexcept { return value_.load(std::memory_order_relaxed); }

private:
    void add(double d) noexcept {
        double cur = value_.load(std::memory_order_relaxed);
        while (!value_.compare_exchange_weak(cur, cur + d, std::memory_order_relaxed)) {
        }
    }
    std::atomic<double> value_{0};
};

class histogram {
public:
    explicit histogram(const std::vector<double>& bounds);
    void observe(double v) noexcept;

    // Snapshot for rendering and tests: cumulative counts per bound, then +Inf.
    std::vector<std::uint64_t> cumulative_counts() const;
    std::uint64_t count() const noexcept { return count_.load(std::memory_order_relaxed); }
    double sum() const noexcept { return sum_.load(std::memory_order_relaxed); }

private:
    std::vector<double> bounds_;
    std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_; // non-cumulative, +1 for +Inf
    std::atomic<std::uint64_t> count_{0};
    std::atomic<double> sum_{0};
};

// A metric name plus its label names; cells are created per distinct label values.
template <class Cell>
class family {
public:
    // Label values in the order of the family's label names. Throws std::invalid_argument
    // on a count mismatch. The reference is valid as long as the registry.
    Cell& with(std::initializer_list<std::string_view> values);
    Cell& with(const std::vector<std::string>& values);

private:
    friend class metrics_registry;
    family(std::string name, std::string help, std::vector<std::string> labels, std::vector<double> bounds = {})
        : name_(std::move(name)), help_(std::move(help)), labels_(std::move(labels)), bounds_(std::move(bounds)) {}
    Cell& get(std::vector<std::string> values);

    std::string name_;
    std::string help_;
    std::vector<std::string> labels_;
    std::vector<double> bounds_; // histograms only
    mutable std::mutex mutex_;   // guards cells_ (the map, not the cells' values)
    std::map<std::vector<std::string>, std::unique_ptr<Cell>> cells_;
};

using counter_family = family<counter>;
using gauge_family = family<gauge>;
using histogram_family = family<histogram>;

// Default latency buckets in seconds (0.5 ms .. 10 s).
std::vector<double> default_latency_buckets();

class metrics_registry {
public:
    metrics_registry();
    ~metrics_registry();
    metrics_registry(const metrics_registry&) = delete;
    metrics_registry& operator=(const metrics_registry&) = delete;

    // Names must match [a-zA-Z_:][a-zA-Z0-9_:]*, label names [a-zA-Z_][a-zA-Z0-9_]*, and be
    // unique in the registry (std::invalid_argument otherwise).
    counter_family& add_counter(std::string name, std::string help, std::vector<std::string> labels = {});
    gauge_family& add_gauge(std::string name, std::string help, std::vector<std::string> labels = {});
    histogram_family& add_histogram(std::string name, std::string help, std::vector<std::string> labels,
                                    std::vector<double> bounds = default_latency_buckets());

    // Values read at render() time, e.g. the DB pool's connections in use or the Valkey
    // client's reconnect count. The callback runs on the thread that renders (the server's
    // io_context thread) and must be cheap and thread-safe towards its owner.
    void add_gauge_callback(std::string name, std::string help, std::function<double()> fn);
    void add_counter_callback(std::string name, std::string help, std::function<double()> fn);

    // Text exposition format (Content-Type: text/plain; version=0.0.4).
    std::string render() const;

private:
    struct entry;
    void check_name(const std::string& name, const std::vector<std::string>& labels);
    mutable std::mutex mutex_; // guards entries_ (registration vs render)
    std::vector<std::unique_ptr<entry>> entries_;
};

// Exposed for tests: escaping of label values (\\, \", \n) and number formatting.
std::string escape_label_value(std::string_view v);
std::string format_metric_value(double v);

} // namespace asistencia::transport::http
