// An owned copy of a Valkey reply (hiredis frees its own as soon as the callback returns).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace asistencia::infra::valkey {

struct reply {
    enum class kind { nil, integer, string, status, array, error };

    kind type = kind::nil;
    std::int64_t integer = 0;
    std::string str;             // string, status and error replies
    std::vector<reply> elements; // array replies

    bool is_nil() const noexcept { return type == kind::nil; }
    bool is_error() const noexcept { return type == kind::error; }
    // The text of a string/status reply, nullopt for nil (and for other kinds).
    std::optional<std::string> text() const {
        if (type == kind::string || type == kind::status) return str;
        return std::nullopt;
    }
};

} // namespace asistencia::infra::valkey
