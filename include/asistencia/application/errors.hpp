// The one error model: every failure a use case (or a port under it) reports is an
// application::error carrying an errc (what kind of failure), a snake_case code (the
// PROTOCOL.md section 9 `error.code`), a human message and, for rate limits and
// unavailable dependencies, a retry-after hint. No layer below transport knows HTTP:
// transport/http/error_mapping.cpp alone turns an errc into a status.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <type_traits>

namespace asistencia::application {

enum class errc {
    malformed = 1,          // the input is not the documented shape (bad JSON, missing field, bad base64)
    unauthenticated,        // no or bad credentials (token missing, expired, refused)
    forbidden,              // authenticated, but may not act on this
    not_found,              // the thing does not exist (or is not visible to the caller)
    conflict,               // the current state refuses the change (already joined, not active, unique)
    too_large,              // the input exceeds a size bound
    invalid_value,          // well-formed input the rules refuse (unknown override, bad ceremony)
    rate_limited,           // too many attempts; retry_after says when to try again
    dependency_failed,      // a dependency answered something unusable (PHP's bad JSON, refused token)
    dependency_unavailable, // a dependency cannot answer now (PostgreSQL, Valkey, PHP); retry_after
    internal,               // a bug or an unexpected dependency error; details only in the log
};

class error_category_impl : public std::error_category {
public:
    const char* name() const noexcept override { return "asistencia.application"; }
    std::string message(int value) const override {
        switch (static_cast<errc>(value)) {
            case errc::malformed:
                return "malformed input";
            case errc::unauthenticated:
                return "unauthenticated";
            case errc::forbidden:
                return "forbidden";
            case errc::not_found:
                return "not found";
            case errc::conflict:
                return "conflict";
            case errc::too_large:
                return "input too large";
            case errc::invalid_value:
                return "invalid value";
            case errc::rate_limited:
                return "rate limited";
            case errc::dependency_failed:
                return "dependency answered something unusable";
            case errc::dependency_unavailable:
                return "dependency unavailable";
            case errc::internal:
                return "internal error";
        }
        return "unknown application error";
    }
};

inline const std::error_category& error_category() noexcept {
    static const error_category_impl category;
    return category;
}

inline std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), error_category()}; }

class error : public std::runtime_error {
public:
    error(errc kind, std::string code, std::string message, std::optional<int> retry_after_seconds = std::nullopt)
        : std::runtime_error(message), kind_(kind), code_(std::move(code)), retry_after_seconds_(retry_after_seconds) {}

    errc kind() const noexcept { return kind_; }
    std::error_code error_code() const noexcept { return make_error_code(kind_); }
    // The snake_case `error.code` clients see.
    const std::string& code() const noexcept { return code_; }
    // Only for rate_limited and dependency_unavailable: when to try again.
    std::optional<int> retry_after_seconds() const noexcept { return retry_after_seconds_; }

private:
    errc kind_;
    std::string code_;
    std::optional<int> retry_after_seconds_;
};

// A dependency (PostgreSQL, Valkey, the PHP bridge) cannot answer right now; code
// "<dependency>_unavailable". Nothing was changed. Infrastructure throws it; callers that
// degrade gracefully (fail open, serve stale) catch this type.
class dependency_unavailable : public error {
public:
    dependency_unavailable(std::string dependency, std::string message, int retry_after_seconds = 1)
        : error(errc::dependency_unavailable, dependency + "_unavailable", std::move(message), retry_after_seconds),
          dependency_(std::move(dependency)) {}
    const std::string& dependency() const noexcept { return dependency_; }

private:
    std::string dependency_;
};

inline error malformed(std::string code, std::string message) {
    return {errc::malformed, std::move(code), std::move(message)};
}
inline error unauthenticated(std::string code, std::string message) {
    return {errc::unauthenticated, std::move(code), std::move(message)};
}
inline error forbidden(std::string code, std::string message) {
    return {errc::forbidden, std::move(code), std::move(message)};
}
inline error not_found(std::string code, std::string message) {
    return {errc::not_found, std::move(code), std::move(message)};
}
inline error conflict(std::string code, std::string message) {
    return {errc::conflict, std::move(code), std::move(message)};
}
inline error too_large(std::string code, std::string message) {
    return {errc::too_large, std::move(code), std::move(message)};
}
inline error invalid_value(std::string code, std::string message) {
    return {errc::invalid_value, std::move(code), std::move(message)};
}
inline error rate_limited(std::string code, std::string message, int retry_after_seconds) {
    return {errc::rate_limited, std::move(code), std::move(message), retry_after_seconds};
}
inline error dependency_failed(std::string code, std::string message) {
    return {errc::dependency_failed, std::move(code), std::move(message)};
}
inline error internal_error(std::string message = "internal server error") {
    return {errc::internal, "internal_error", std::move(message)};
}

// A dependency failed one way or the other (unavailable or unusable): the failures a
// caller may degrade over (a page without the course list) rather than fail.
inline bool is_dependency_failure(const error& e) noexcept {
    return e.kind() == errc::dependency_failed || e.kind() == errc::dependency_unavailable;
}
// Not the caller's fault (a dependency or a bug): trying again later may help.
inline bool is_server_fault(const error& e) noexcept { return is_dependency_failure(e) || e.kind() == errc::internal; }

} // namespace asistencia::application

template <>
struct std::is_error_code_enum<asistencia::application::errc> : std::true_type {};
