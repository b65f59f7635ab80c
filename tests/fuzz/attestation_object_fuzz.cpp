// libFuzzer target for CBOR attestation objects: arbitrary bytes as
// response.attestationObject next to a valid clientDataJSON, through verify_registration
// (strict CBOR loading, fmt/attStmt/authData, COSE key, every attestation format, the
// certificate checks and libfido2). Also loads the bytes with the bounded CBOR reader
// alone. Traps when an accepted registration is inconsistent.
#include "cbor_reader.hpp"
#include "webauthn_fuzz_data.hpp"

#include <cstddef>
#include <cstdint>
#include <span>

namespace w = asistencia::infra::webauthn;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const auto policy = fuzz_data::registration_policy();
    const std::span<const std::uint8_t> bytes(data, size);

    std::size_t consumed = 0;
    if (auto item = w::detail::load_cbor_item(bytes, consumed); item && (consumed == 0 || consumed > size)) {
        __builtin_trap();
    }

    const auto r =
        w::verify_registration({fuzz_data::registration_client_data, bytes, fuzz_data::registration_challenge}, policy);
    if (r) {
        if (r->credential_id.empty() || r->credential_id.size() > w::limits::credential_id) __builtin_trap();
        if (r->public_key_pem.rfind("-----BEGIN PUBLIC KEY-----", 0) != 0) __builtin_trap();
        if (!w::is_supported_algorithm(r->algorithm)) __builtin_trap();
        if (!r->flags.user_present() || !r->flags.attested_credential_data()) __builtin_trap();
        if ((r->format == w::attestation_format::none) != (r->type == w::attestation_type::none)) __builtin_trap();
    }
    return 0;
}
