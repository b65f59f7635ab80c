// Strict base64url and standard base64; see base64.hpp.
#include "asistencia/domain/encoding/base64.hpp"

namespace asistencia::domain::encoding {

namespace {

constexpr char url_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr char std_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int sextet(char c) noexcept {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '-') return 62;
    if (c == '_') return 63;
    return -1;
}

std::string encode(const std::uint8_t* p, std::size_t n, const char* alphabet, bool pad) {
    std::string out;
    out.reserve((n + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 3 <= n; i += 3) {
        const unsigned v = (unsigned{p[i]} << 16U) | (unsigned{p[i + 1]} << 8U) | p[i + 2];
        out += alphabet[(v >> 18U) & 63U];
        out += alphabet[(v >> 12U) & 63U];
        out += alphabet[(v >> 6U) & 63U];
        out += alphabet[v & 63U];
    }
    const std::size_t rest = n - i;
    if (rest == 0) return out;
    const unsigned v = (unsigned{p[i]} << 16U) | (rest == 2 ? unsigned{p[i + 1]} << 8U : 0U);
    out += alphabet[(v >> 18U) & 63U];
    out += alphabet[(v >> 12U) & 63U];
    if (rest == 2) out += alphabet[(v >> 6U) & 63U];
    if (pad) out.append(rest == 1 ? 2 : 1, '=');
    return out;
}

template <class Out>
bool decode_into(std::string_view text, Out& out) {
    if (text.size() % 4 == 1) return false;
    out.reserve(text.size() * 3 / 4);
    unsigned acc = 0;
    int bits = 0;
    for (const char c : text) {
        const int v = sextet(c);
        if (v < 0) return false;
        acc = ((acc << 6U) | static_cast<unsigned>(v)) & 0xFFFFFFU;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<typename Out::value_type>((acc >> static_cast<unsigned>(bits)) & 0xFFU));
        }
    }
    return (acc & ((1U << static_cast<unsigned>(bits)) - 1U)) == 0;
}

} // namespace

std::string base64url_encode(std::span<const std::uint8_t> bytes) {
    return encode(bytes.data(), bytes.size(), url_alphabet, false);
}

std::string base64url_encode(std::string_view bytes) {
    return encode(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size(), url_alphabet, false);
}

std::optional<std::vector<std::uint8_t>> base64url_decode(std::string_view text) {
    std::vector<std::uint8_t> out;
    if (!decode_into(text, out)) return std::nullopt;
    return out;
}

std::optional<std::string> base64url_decode_string(std::string_view text) {
    std::string out;
    if (!decode_into(text, out)) return std::nullopt;
    return out;
}

std::string base64_encode(std::span<const std::uint8_t> bytes) {
    return encode(bytes.data(), bytes.size(), std_alphabet, true);
}

} // namespace asistencia::domain::encoding
