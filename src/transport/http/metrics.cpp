// Prometheus registry and its text rendering (exposition format 0.0.4).
#include "asistencia/transport/http/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <type_traits>
#include <variant>

namespace asistencia::transport::http {

namespace {

bool valid_name(std::string_view n, bool allow_colon) {
    if (n.empty()) return false;
    for (std::size_t i = 0; i < n.size(); ++i) {
        char c = n[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (allow_colon && c == ':') ||
                  (i > 0 && c >= '0' && c <= '9');
        if (!ok) return false;
    }
    return true;
}

std::string escape_help(std::string_view v) {
    std::string out;
    for (char c : v) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
    return out;
}

// {a="x",b="y"} plus an optional extra label (le for histogram buckets).
std::string label_block(const std::vector<std::string>& names, const std::vector<std::string>& values,
                        std::string_view extra_name = {}, std::string_view extra_value = {}) {
    if (names.empty() && extra_name.empty()) return {};
    std::string out = "{";
    for (std::size_t i = 0; i < names.size(); ++i) {
        if (i) out += ',';
        out += names[i];
        out += "=\"";
        out += escape_label_value(values[i]);
        out += '"';
    }
    if (!extra_name.empty()) {
        if (!names.empty()) out += ',';
        out += extra_name;
        out += "=\"";
        out += extra_value;
        out += '"';
    }
    out += '}';
    return out;
}

} // namespace

std::string escape_label_value(std::string_view v) {
    std::string out;
    out.reserve(v.size());
    for (char c : v) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '"')
            out += "\\\"";
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
    return out;
}

std::string format_metric_value(double v) {
    if (std::isnan(v)) return "NaN";
    if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
    if (v == std::floor(v) && std::fabs(v) < 1e15) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.0f", v);
        return buf;
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    // Shortest form that reads back to the same double keeps the output readable.
    for (int prec = 1; prec <= 17; ++prec) {
        char shorter[32];
        std::snprintf(shorter, sizeof shorter, "%.*g", prec, v);
        if (std::strtod(shorter, nullptr) == v) return shorter;
    }
    return buf;
}

std::vector<double> default_latency_buckets() {
    return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

histogram::histogram(const std::vector<double>& bounds)
    : bounds_(bounds), buckets_(new std::atomic<std::uint64_t>[bounds.size() + 1]) {
    if (!std::is_sorted(bounds_.begin(), bounds_.end())) throw std::invalid_argument("histogram bounds must be sorted");
    for (std::size_t i = 0; i <= bounds_.size(); ++i) buckets_[i].store(0);
}

void histogram::observe(double v) noexcept {
    auto it = std::lower_bound(bounds_.begin(), bounds_.end(), v); // first bound >= v: le
    buckets_[static_cast<std::size_t>(it - bounds_.begin())].fetch_add(1, std::memory_order_relaxed);
    count_.fetch_add(1, std::memory_order_relaxed);
    double cur = sum_.load(std::memory_order_relaxed);
    while (!sum_.compare_exchange_weak(cur, cur + v, std::memory_order_relaxed)) {
    }
}

std::vector<std::uint64_t> histogram::cumulative_counts() const {
    std::vector<std::uint64_t> out(bounds_.size() + 1);
    std::uint64_t acc = 0;
    for (std::size_t i = 0; i <= bounds_.size(); ++i) {
        acc += buckets_[i].load(std::memory_order_relaxed);
        out[i] = acc;
    }
    return out;
}

template <class Cell>
Cell& family<Cell>::get(std::vector<std::string> values) {
    if (values.size() != labels_.size())
        throw std::invalid_argument("metric " + name_ + ": wrong number of label values");
    std::lock_guard lock(mutex_);
    auto it = cells_.find(values);
    if (it != cells_.end()) return *it->second;
    std::unique_ptr<Cell> cell;
    if constexpr (std::is_same_v<Cell, histogram>)
        cell = std::make_unique<histogram>(bounds_);
    else
        cell = std::make_unique<Cell>();
    auto& ref = *cell;
    cells_.emplace(std::move(values), std::move(cell));
    return ref;
}

template <class Cell>
Cell& family<Cell>::with(std::initializer_list<std::string_view> values) {
    return get(std::vector<std::string>(values.begin(), values.end()));
}

template <class Cell>
Cell& family<Cell>::with(const std::vector<std::string>& values) {
    return get(values);
}

template class family<counter>;
template class family<gauge>;
template class family<histogram>;

struct metrics_registry::entry {
    std::string name;
    std::string help;
    std::string type; // counter, gauge, histogram
    std::variant<std::unique_ptr<counter_family>, std::unique_ptr<gauge_family>, std::unique_ptr<histogram_family>,
                 std::function<double()>>
        source;
};

metrics_registry::metrics_registry() = default;
metrics_registry::~metrics_registry() = default;

void metrics_registry::check_name(const std::string& name, const std::vector<std::string>& labels) {
    if (!valid_name(name, true)) throw std::invalid_argument("bad metric name: " + name);
    for (const auto& l : labels)
        if (!valid_name(l, false) || l == "le" || l.rfind("__", 0) == 0)
            throw std::invalid_argument("bad label name: " + l);
    for (const auto& e : entries_)
        if (e->name == name) throw std::invalid_argument("duplicate metric: " + name);
}

counter_family& metrics_registry::add_counter(std::string name, std::string help, std::vector<std::string> labels) {
    std::lock_guard lock(mutex_);
    check_name(name, labels);
    std::unique_ptr<counter_family> f(new counter_family(name, help, std::move(labels)));
    auto& ref = *f;
    entries_.push_back(std::make_unique<entry>(entry{std::move(name), std::move(help), "counter", std::move(f)}));
    return ref;
}

gauge_family& metrics_registry::add_gauge(std::string name, std::string help, std::vector<std::string> labels) {
    std::lock_guard lock(mutex_);
    check_name(name, labels);
    std::unique_ptr<gauge_family> f(new gauge_family(name, help, std::move(labels)));
    auto& ref = *f;
    entries_.push_back(std::make_unique<entry>(entry{std::move(name), std::move(help), "gauge", std::move(f)}));
    return ref;
}

histogram_family& metrics_registry::add_histogram(std::string name, std::string help, std::vector<std::string> labels,
                                                  std::vector<double> bounds) {
    std::lock_guard lock(mutex_);
    check_name(name, labels);
    if (!std::is_sorted(bounds.begin(), bounds.end()) ||
        std::adjacent_find(bounds.begin(), bounds.end()) != bounds.end())
        throw std::invalid_argument("histogram bounds must be strictly increasing");
    std::unique_ptr<histogram_family> f(new histogram_family(name, help, std::move(labels), std::move(bounds)));
    auto& ref = *f;
    entries_.push_back(std::make_unique<entry>(entry{std::move(name), std::move(help), "histogram", std::move(f)}));
    return ref;
}

void metrics_registry::add_gauge_callback(std::string name, std::string help, std::function<double()> fn) {
    std::lock_guard lock(mutex_);
    check_name(name, {});
    entries_.push_back(std::make_unique<entry>(entry{std::move(name), std::move(help), "gauge", std::move(fn)}));
}

void metrics_registry::add_counter_callback(std::string name, std::string help, std::function<double()> fn) {
    std::lock_guard lock(mutex_);
    check_name(name, {});
    entries_.push_back(std::make_unique<entry>(entry{std::move(name), std::move(help), "counter", std::move(fn)}));
}

std::string metrics_registry::render() const {
    std::lock_guard lock(mutex_);
    std::string out;
    out.reserve(4096);
    for (const auto& e : entries_) {
        out += "# HELP " + e->name + ' ' + escape_help(e->help) + '\n';
        out += "# TYPE " + e->name + ' ' + e->type + '\n';
        if (auto* c = std::get_if<std::unique_ptr<counter_family>>(&e->source)) {
            std::lock_guard l2((*c)->mutex_);
            for (const auto& [values, cell] : (*c)->cells_)
                out += e->name + label_block((*c)->labels_, values) + ' ' + std::to_string(cell->value()) + '\n';
        } else if (auto* g = std::get_if<std::unique_ptr<gauge_family>>(&e->source)) {
            std::lock_guard l2((*g)->mutex_);
            for (const auto& [values, cell] : (*g)->cells_)
                out += e->name + label_block((*g)->labels_, values) + ' ' + format_metric_value(cell->value()) + '\n';
        } else if (auto* h = std::get_if<std::unique_ptr<histogram_family>>(&e->source)) {
            const auto& fam = **h;
            std::lock_guard l2(fam.mutex_);
            for (const auto& [values, cell] : fam.cells_) {
                auto cum = cell->cumulative_counts();
                for (std::size_t i = 0; i < fam.bounds_.size(); ++i)
                    out += e->name + "_bucket" +
                           label_block(fam.labels_, values, "le", format_metric_value(fam.bounds_[i])) + ' ' +
                           std::to_string(cum[i]) + '\n';
                out += e->name + "_bucket" + label_block(fam.labels_, values, "le", "+Inf") + ' ' +
                       std::to_string(cum.back()) + '\n';
                out +=
                    e->name + "_sum" + label_block(fam.labels_, values) + ' ' + format_metric_value(cell->sum()) + '\n';
                out += e->name + "_count" + label_block(fam.labels_, values) + ' ' + std::to_string(cum.back()) + '\n';
            }
        } else if (auto* fn = std::get_if<std::function<double()>>(&e->source)) {
            double v = 0;
            try {
                v = (*fn)();
            } catch (...) {
                v = std::nan("");
            }
            out += e->name + ' ' + format_metric_value(v) + '\n';
        }
    }
    return out;
}

} // namespace asistencia::transport::http
