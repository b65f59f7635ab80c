// Participation tokens verified once per token. A student's phone sends the same token with
// every answer of a session, and verifying one is an HMAC and two JSON parses: about 55k of
// an answer's 294k instructions (callgrind, docs/performance.md). Only tokens that verified
// are kept, keyed by their exact bytes and compared in constant time; a hit re-checks the
// expiry (with the leeway), the one check whose answer changes with time (nbf was already
// past, and every other check is a property of the bytes). Thread-safe; at most `capacity`
// tokens (the expired ones go first, then all of them).
#pragma once

#include "asistencia/domain/tokens/jwt.hpp"

#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace asistencia::domain::tokens {

class participation_token_cache {
public:
    participation_token_cache(std::string key, token_settings settings, std::size_t capacity = 8192);

    // What verify_participation_token(token, key, settings, now) returns.
    verify_result<participation_claims> verify(std::string_view token, time_point now = clock::now());
    std::size_t size() const;

private:
    struct constant_time_equal {
        bool operator()(const std::string& a, const std::string& b) const noexcept;
    };

    std::string key_;
    token_settings settings_;
    std::size_t capacity_;
    mutable std::mutex mutex_;
    std::unordered_map<std::string, participation_claims, std::hash<std::string>, constant_time_equal>
        verified_; // guarded by mutex_
};

} // namespace asistencia::domain::tokens
