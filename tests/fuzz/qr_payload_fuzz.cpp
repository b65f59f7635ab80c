// libFuzzer target for the QR payload decoder: arbitrary text must give an error value or a
// payload, never a crash; a payload can only come from a text sealed under the key, and
// re-sealing it with the same IV must give the same text back.
#include "asistencia/domain/crypto/qr_payload.hpp"
#include "asistencia/domain/encoding/base64.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace {

using namespace asistencia::domain::crypto;

const bytes key(32, 0x42);

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto r = open_qr(text, key);
    if (const auto* p = std::get_if<qr_payload>(&r)) {
        const auto blob = asistencia::domain::encoding::base64url_decode(text.substr(qr_prefix.size()));
        if (!blob) __builtin_trap();
        const bytes iv(blob->begin(), blob->begin() + gcm_iv_size);
        if (seal_qr(*p, key, iv) != text) __builtin_trap();
    }
    // Also drive the decoder with well-formed texts whose plaintext is the fuzz input.
    if (size >= qr_plaintext_size) {
        const bytes iv(gcm_iv_size, 7);
        const auto ct = aes256gcm_seal(key, iv, byte_view(data, qr_plaintext_size), as_bytes(qr_aad));
        bytes blob(iv);
        blob.insert(blob.end(), ct.begin(), ct.end());
        const auto t = std::string(qr_prefix) + asistencia::domain::encoding::base64url_encode(blob);
        const auto r2 = open_qr(t, key);
        const bool version_ok = data[0] == qr_version;
        if (std::holds_alternative<qr_payload>(r2) != version_ok) __builtin_trap();
    }
    return 0;
}
