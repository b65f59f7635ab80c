// Published third-party test vectors, read in place from the shared/vectors folder beside
// the clone (CI has a copy there). The path comes from CMake (ASISTENCIA_SHARED_VECTORS,
// default <repo>/../shared/vectors) and can be overridden at run time with the
// ASISTENCIA_VECTORS_DIR environment variable, which ctest sets to the same value.
// A missing folder or file is a failure, never a skip.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace asistencia::test_support {

inline std::filesystem::path shared_vectors_dir() {
    if (const char* env = std::getenv("ASISTENCIA_VECTORS_DIR"); env != nullptr && *env != '\0') return env;
#ifdef ASISTENCIA_SHARED_VECTORS_DIR
    return ASISTENCIA_SHARED_VECTORS_DIR;
#else
    return "../shared/vectors";
#endif
}

// The JSON file `name` (e.g. "wycheproof/aes_gcm_test.json"); throws std::runtime_error
// naming the path when it is missing or not JSON.
inline nlohmann::json load_shared_vectors(std::string_view name) {
    const auto path = shared_vectors_dir() / std::string(name);
    std::ifstream in(path);
    if (!in) throw std::runtime_error("published vectors missing: " + path.string());
    auto j = nlohmann::json::parse(in, nullptr, false);
    if (j.is_discarded()) throw std::runtime_error("published vectors are not JSON: " + path.string());
    return j;
}

inline std::vector<std::uint8_t> from_hex(std::string_view h) {
    if (h.size() % 2 != 0) throw std::invalid_argument("odd hex length");
    std::vector<std::uint8_t> out(h.size() / 2);
    for (std::size_t i = 0; i < out.size(); ++i) {
        out[i] = static_cast<std::uint8_t>(std::stoi(std::string(h.substr(2 * i, 2)), nullptr, 16));
    }
    return out;
}

// A readable GoogleTest case name: letters, digits and '_' only.
inline std::string test_name(std::string_view text) {
    std::string out;
    for (const char c : text) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (ok)
            out += c;
        else if (!out.empty() && out.back() != '_')
            out += '_';
    }
    while (!out.empty() && out.back() == '_') out.pop_back();
    return out.empty() ? "unnamed" : out;
}

} // namespace asistencia::test_support
