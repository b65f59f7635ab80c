// libFuzzer target for strict base64url: decoding never crashes, and whatever decodes
// re-encodes to exactly the same text (one spelling per byte string); encoding any bytes
// decodes back to them.
#include "asistencia/domain/encoding/base64.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace asistencia::domain::encoding;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    if (const auto decoded = base64url_decode(text)) {
        if (base64url_encode(*decoded) != text) __builtin_trap();
    }
    const std::span<const std::uint8_t> raw(data, size);
    const auto encoded = base64url_encode(raw);
    const auto back = base64url_decode(encoded);
    if (!back || back->size() != size || !std::equal(back->begin(), back->end(), data)) __builtin_trap();
    return 0;
}
