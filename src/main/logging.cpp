// JSON log lines for the default spdlog logger; see logging.hpp.
#include "asistencia/main/logging.hpp"

#include <nlohmann/json.hpp>
#include <spdlog/formatter.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace asistencia::main {

namespace {

// spdlog's pattern language cannot escape the message, so a component's text with a quote
// or a newline would break the line: this formatter writes the JSON itself.
class json_formatter final : public spdlog::formatter {
public:
    void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
        const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(msg.time.time_since_epoch()).count();
        const std::time_t secs = static_cast<std::time_t>(ms / 1000);
        std::tm tm{};
        gmtime_r(&secs, &tm);
        char ts[40];
        const auto n = std::strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
        std::snprintf(ts + n, sizeof ts - n, ".%03dZ", static_cast<int>(ms % 1000));

        const nlohmann::json text(std::string(msg.payload.data(), msg.payload.size()));
        const auto level = spdlog::level::to_string_view(msg.level);
        std::string line = "{\"ts\":\"";
        line += ts;
        line += "\",\"level\":\"";
        line.append(level.data(), level.size());
        line += "\",\"msg\":";
        line += text.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        line += "}\n";
        dest.append(line.data(), line.data() + line.size());
    }

    std::unique_ptr<spdlog::formatter> clone() const override { return std::make_unique<json_formatter>(); }
};

// stdout through stdio's buffer. spdlog's stdout_sink fflushes after every message, i.e. one
// write(2) per request on the event loop; this one writes when the buffer fills, on
// flush_every and on flush_on(warn) (a crash loses at most the last second of info lines).
class buffered_stdout_sink final : public spdlog::sinks::base_sink<std::mutex> {
protected:
    void sink_it_(const spdlog::details::log_msg& msg) override {
        spdlog::memory_buf_t formatted;
        formatter_->format(msg, formatted);
        std::fwrite(formatted.data(), 1, formatted.size(), stdout);
    }
    void flush_() override { std::fflush(stdout); }
};

} // namespace

std::shared_ptr<spdlog::logger> setup_logging(const std::string& level) {
    const auto lvl = spdlog::level::from_str(level);

    auto sink = std::make_shared<buffered_stdout_sink>();
    sink->set_formatter(std::make_unique<json_formatter>());
    auto main_logger = std::make_shared<spdlog::logger>("asistencia", sink);
    main_logger->set_level(lvl);
    main_logger->flush_on(spdlog::level::warn);
    spdlog::set_default_logger(main_logger);

    auto access_sink = std::make_shared<buffered_stdout_sink>();
    auto access = std::make_shared<spdlog::logger>("access", access_sink);
    access->set_pattern("%v");
    access->set_level(lvl);
    access->flush_on(spdlog::level::warn);
    spdlog::register_logger(access);
    // stdout into a pipe (docker logs, CI) is block-buffered: flushing every line costs a
    // write(2) per request, never flushing hides lines; once a second is the middle.
    spdlog::flush_every(std::chrono::seconds(1));
    return access;
}

} // namespace asistencia::main
