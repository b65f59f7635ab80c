// RFC 6238 TOTP; see totp.hpp.
#include "asistencia/domain/crypto/totp.hpp"

#include <stdexcept>

namespace asistencia::domain::crypto {

namespace {

std::uint32_t power_of_ten(int digits) {
    std::uint32_t m = 1;
    for (int i = 0; i < digits; ++i) m *= 10;
    return m;
}

void check(const totp_params& p) {
    if (p.step_seconds <= 0 || p.digits < 6 || p.digits > 9) throw std::invalid_argument("TOTP parameters");
}

} // namespace

std::int64_t totp_step(std::int64_t unix_seconds, const totp_params& p) {
    check(p);
    const std::int64_t d = unix_seconds - p.t0;
    // Floor division, so times before T0 do not round toward zero.
    return d >= 0 ? d / p.step_seconds : -((-d + p.step_seconds - 1) / p.step_seconds);
}

namespace {

std::uint32_t value_at_step(hmac_keyed& key, std::int64_t step, const totp_params& p) {
    std::uint8_t counter[8];
    auto c = static_cast<std::uint64_t>(step);
    for (int i = 7; i >= 0; --i) {
        counter[i] = static_cast<std::uint8_t>(c & 0xFF);
        c >>= 8;
    }
    const auto mac = key.mac(byte_view(counter, 8));
    const unsigned offset = mac.back() & 0x0F;
    const std::uint32_t binary = (std::uint32_t{mac[offset]} & 0x7F) << 24 | std::uint32_t{mac[offset + 1]} << 16 |
                                 std::uint32_t{mac[offset + 2]} << 8 | std::uint32_t{mac[offset + 3]};
    return binary % power_of_ten(p.digits);
}

std::string code_at_step(hmac_keyed& key, std::int64_t step, const totp_params& p) {
    std::string s = std::to_string(value_at_step(key, step, p));
    if (s.size() < static_cast<std::size_t>(p.digits)) s.insert(0, static_cast<std::size_t>(p.digits) - s.size(), '0');
    return s;
}

} // namespace

std::uint32_t totp_value_at_step(byte_view key, std::int64_t step, const totp_params& p) {
    check(p);
    hmac_keyed keyed(p.hash, key);
    return value_at_step(keyed, step, p);
}

std::string totp_code_at_step(byte_view key, std::int64_t step, const totp_params& p) {
    check(p);
    hmac_keyed keyed(p.hash, key);
    return code_at_step(keyed, step, p);
}

std::string totp_code(byte_view key, std::int64_t unix_seconds, const totp_params& p) {
    return totp_code_at_step(key, totp_step(unix_seconds, p), p);
}

std::optional<std::int64_t> totp_verify(byte_view key, std::string_view code, std::int64_t unix_seconds, int window,
                                        const totp_params& p) {
    if (code.size() != static_cast<std::size_t>(p.digits) || window < 0 || window > 10) return std::nullopt;
    const std::int64_t now = totp_step(unix_seconds, p);
    hmac_keyed keyed(p.hash, key); // one key schedule for the whole window
    std::optional<std::int64_t> match;
    for (std::int64_t s = now - window; s <= now + window; ++s) {
        const auto candidate = code_at_step(keyed, s, p);
        // Every candidate is compared, so timing does not say which step matched.
        if (constant_time_equal(as_bytes(candidate), as_bytes(code)) && !match) match = s;
    }
    return match;
}

} // namespace asistencia::domain::crypto
