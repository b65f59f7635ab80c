// Failures that reach a client as PROTOCOL.md section 9 JSON:
// {"error": {"code": "snake_case_code", "message": "human text"}} with an HTTP status.
// Every layer throws these for expected failures; the transport maps them in one place.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>

namespace asistencia::application {

class api_error : public std::runtime_error {
public:
    api_error(int status, std::string code, std::string message, std::optional<int> retry_after_seconds = std::nullopt)
        : std::runtime_error(message),
          status_(status),
          code_(std::move(code)),
          retry_after_seconds_(retry_after_seconds) {}

    int status() const noexcept { return status_; }
    const std::string& code() const noexcept { return code_; }
    // Only for 429 and 503: the value of the Retry-After header.
    std::optional<int> retry_after_seconds() const noexcept { return retry_after_seconds_; }

private:
    int status_;
    std::string code_;
    std::optional<int> retry_after_seconds_;
};

// A dependency (PostgreSQL, Valkey, the PHP bridge) cannot answer right now: 503,
// code "<dependency>_unavailable". Nothing was changed.
class dependency_unavailable : public api_error {
public:
    dependency_unavailable(std::string dependency, std::string message, int retry_after_seconds = 1)
        : api_error(503, dependency + "_unavailable", std::move(message), retry_after_seconds),
          dependency_(std::move(dependency)) {}
    const std::string& dependency() const noexcept { return dependency_; }

private:
    std::string dependency_;
};

inline api_error bad_request(std::string code, std::string message) {
    return {400, std::move(code), std::move(message)};
}
inline api_error unauthorized(std::string code, std::string message) {
    return {401, std::move(code), std::move(message)};
}
inline api_error forbidden(std::string code, std::string message) { return {403, std::move(code), std::move(message)}; }
inline api_error not_found(std::string code, std::string message) { return {404, std::move(code), std::move(message)}; }
inline api_error conflict(std::string code, std::string message) { return {409, std::move(code), std::move(message)}; }
inline api_error payload_too_large(std::string code, std::string message) {
    return {413, std::move(code), std::move(message)};
}
inline api_error unprocessable(std::string code, std::string message) {
    return {422, std::move(code), std::move(message)};
}
inline api_error too_many_requests(std::string code, std::string message, int retry_after_seconds) {
    return {429, std::move(code), std::move(message), retry_after_seconds};
}
inline api_error bad_gateway(std::string code, std::string message) {
    return {502, std::move(code), std::move(message)};
}

} // namespace asistencia::application
