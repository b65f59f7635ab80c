// libFuzzer target for clientDataJSON: arbitrary bytes through the registration and the
// assertion checks (JSON parse, type, strict base64url challenge, origin, crossOrigin,
// tokenBinding), and the strict base64url decoder alone. Traps when one text passes as both
// types or the decoder's output length does not fit its input.
#include "client_data.hpp"
#include "webauthn_fuzz_data.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace w = asistencia::infra::webauthn;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::span<const std::uint8_t> bytes(data, size);
    const std::string_view text(reinterpret_cast<const char*>(data), size);

    const auto create =
        w::detail::check_client_data(bytes, "webauthn.create", fuzz_data::registration_challenge, fuzz_data::origins);
    const auto get =
        w::detail::check_client_data(bytes, "webauthn.get", fuzz_data::assertion_challenge, fuzz_data::origins);
    if (create && get) __builtin_trap(); // one type, one challenge: never both

    std::vector<std::uint8_t> out;
    if (w::detail::decode_base64url(text, out)) {
        if (out.size() != text.size() * 3 / 4) __builtin_trap();
    }
    return 0;
}
