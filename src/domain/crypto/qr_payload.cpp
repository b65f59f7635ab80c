// QR payload v1 codec; see qr_payload.hpp.
#include "asistencia/domain/crypto/qr_payload.hpp"

#include "asistencia/domain/encoding/base64.hpp"

namespace asistencia::domain::crypto {

namespace {

template <class T>
void put_be(std::uint8_t* out, T v, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) out[n - 1 - i] = static_cast<std::uint8_t>((v >> (8 * i)) & 0xFF);
}

std::uint64_t get_be(const std::uint8_t* in, std::size_t n) {
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < n; ++i) v = (v << 8) | in[i];
    return v;
}

} // namespace

std::string_view to_string(qr_error e) noexcept {
    switch (e) {
        case qr_error::truncated:
            return "truncated";
        case qr_error::oversized:
            return "oversized";
        case qr_error::wrong_prefix:
            return "wrong_prefix";
        case qr_error::bad_encoding:
            return "bad_encoding";
        case qr_error::not_for_this_key:
            return "not_for_this_key";
        case qr_error::wrong_version:
            return "wrong_version";
    }
    return "unknown";
}

std::array<std::uint8_t, qr_plaintext_size> encode_plaintext(const qr_payload& p) {
    std::array<std::uint8_t, qr_plaintext_size> out{};
    out[0] = qr_version;
    put_be(out.data() + 1, p.session_id, 4);
    put_be(out.data() + 5, p.user_id, 4);
    out[9] = p.round;
    std::copy(p.nonce.begin(), p.nonce.end(), out.begin() + 10);
    put_be(out.data() + 26, p.issued_at_ms, 8);
    put_be(out.data() + 34, p.totps, 4);
    return out;
}

std::optional<qr_payload> decode_plaintext(byte_view pt) {
    if (pt.size() != qr_plaintext_size || pt[0] != qr_version) return std::nullopt;
    qr_payload p;
    p.session_id = static_cast<std::uint32_t>(get_be(pt.data() + 1, 4));
    p.user_id = static_cast<std::uint32_t>(get_be(pt.data() + 5, 4));
    p.round = pt[9];
    std::copy(pt.begin() + 10, pt.begin() + 26, p.nonce.begin());
    p.issued_at_ms = get_be(pt.data() + 26, 8);
    p.totps = static_cast<std::uint32_t>(get_be(pt.data() + 34, 4));
    return p;
}

std::string seal_qr(const qr_payload& p, byte_view k_qr, std::optional<bytes> iv) {
    const bytes nonce = iv ? std::move(*iv) : random_bytes(gcm_iv_size);
    const auto pt = encode_plaintext(p);
    const auto ct = aes256gcm_seal(k_qr, nonce, pt, as_bytes(qr_aad));
    bytes blob(nonce);
    blob.insert(blob.end(), ct.begin(), ct.end());
    return std::string(qr_prefix) + encoding::base64url_encode(blob);
}

std::variant<qr_payload, qr_error> open_qr(std::string_view text, byte_view k_qr) {
    if (text.size() < qr_text_size) return qr_error::truncated;
    if (text.size() > qr_text_size) return qr_error::oversized;
    if (!text.starts_with(qr_prefix)) return qr_error::wrong_prefix;
    const auto blob = encoding::base64url_decode(text.substr(qr_prefix.size()));
    if (!blob || blob->size() != gcm_iv_size + qr_plaintext_size + gcm_tag_size) return qr_error::bad_encoding;
    const byte_view all(*blob);
    const auto pt = aes256gcm_open(k_qr, all.first(gcm_iv_size), all.subspan(gcm_iv_size), as_bytes(qr_aad));
    if (!pt) return qr_error::not_for_this_key;
    const auto p = decode_plaintext(*pt);
    if (!p) return qr_error::wrong_version;
    return *p;
}

std::string decoy_qr(std::uint32_t session_id) {
    qr_payload p;
    p.session_id = session_id;
    const auto r = random_bytes(4 + 1 + 16 + 4);
    p.user_id = static_cast<std::uint32_t>(get_be(r.data(), 4));
    p.round = r[4];
    std::copy(r.begin() + 5, r.begin() + 21, p.nonce.begin());
    p.totps = static_cast<std::uint32_t>(get_be(r.data() + 21, 4) % 1000000);
    return seal_qr(p, random_bytes(32));
}

} // namespace asistencia::domain::crypto
