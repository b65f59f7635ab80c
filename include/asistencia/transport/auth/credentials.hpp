// What a request presents to prove who it is: the Authorization header and, for pages, the
// app-session cookie already resolved by the server's request hook (transport/api
// app_session_routes). Header-only so the HTTP layer's request_context can carry it.
#pragma once

#include "asistencia/domain/tokens/jwt.hpp"

#include <chrono>
#include <exception>
#include <optional>
#include <string>
#include <string_view>

namespace asistencia::transport::auth {

// The app-session cookie of one request, as the hook found it. Empty without a cookie.
struct cookie_auth {
    bool present = false;                            // the request carried the cookie
    std::optional<domain::tokens::user_claims> user; // a live session
    std::exception_ptr refusal;                      // why it cannot be used: 401, 403 (CSRF), 503
    // With `user`: the session's display name and expiries (GET /api/session shows them).
    std::string name;
    std::chrono::system_clock::time_point idle_expires_at{};
    std::chrono::system_clock::time_point absolute_expires_at{};
};

// The argument of every authenticator check. Converts implicitly from the header text, so
// code that has only a token (the projector's auth message) keeps calling as before.
struct credentials {
    std::string_view authorization;
    const cookie_auth* cookie = nullptr;

    credentials(std::string_view a, const cookie_auth* c = nullptr) noexcept : authorization(a), cookie(c) {}
    credentials(const std::string& a) noexcept : authorization(a) {}
    credentials(const char* a) noexcept : authorization(a) {}
};

} // namespace asistencia::transport::auth
