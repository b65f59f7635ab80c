// libFuzzer target for authenticatorData: arbitrary bytes through the parser and the
// rpIdHash/flag checks, and as the authenticatorData of an assertion (with the vector's
// clientDataJSON and signature) against the stored key of W3C L3 vector 16.2. Traps when
// a parse result points outside the input or an assertion over other bytes verifies.
#include "authenticator_data.hpp"
#include "webauthn_fuzz_data.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>

namespace w = asistencia::infra::webauthn;

namespace {

bool inside(std::span<const std::uint8_t> part, std::span<const std::uint8_t> whole) {
    return part.empty() || (part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size());
}

w::stored_credential stored_key() {
    const auto r = w::verify_registration(
        {fuzz_data::registration_client_data, fuzz_data::attestation_object, fuzz_data::registration_challenge},
        fuzz_data::registration_policy());
    if (!r) __builtin_trap(); // the published vector must verify
    return {r->public_key_pem, r->algorithm, 0, false, false};
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const auto stored = stored_key();
    const std::span<const std::uint8_t> bytes(data, size);

    if (const auto a = w::detail::parse_authenticator_data(bytes)) {
        if (!inside(a->rp_id_hash, bytes) || a->rp_id_hash.size() != 32 || !inside(a->extensions, bytes)) {
            __builtin_trap();
        }
        if (a->attested && (!inside(a->attested->credential_id, bytes) ||
                            !inside(a->attested->public_key_cose, bytes) || a->attested->aaguid.size() != 16)) {
            __builtin_trap();
        }
        (void)w::detail::check_rp_id_and_flags(*a, fuzz_data::rp_id, false);
    }

    const w::assertion_policy policy{fuzz_data::rp_id, fuzz_data::origins, false};
    const auto r = w::verify_assertion(
        {fuzz_data::assertion_client_data, bytes, fuzz_data::assertion_signature, fuzz_data::assertion_challenge},
        policy, stored);
    // The signature covers authenticatorData: only the vector's own bytes can verify.
    const auto& original = fuzz_data::authenticator_data;
    if (r && !std::equal(bytes.begin(), bytes.end(), original.begin(), original.end())) __builtin_trap();
    return 0;
}
