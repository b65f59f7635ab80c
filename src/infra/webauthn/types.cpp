// Names of attestation formats and types, and the algorithm support list.
#include "asistencia/infra/webauthn/types.hpp"

namespace asistencia::infra::webauthn {

bool is_supported_algorithm(int alg) noexcept {
    return alg == cose_alg::es256 || alg == cose_alg::rs256 || alg == cose_alg::eddsa;
}

std::string_view to_string(attestation_format f) noexcept {
    switch (f) {
        case attestation_format::none:
            return "none";
        case attestation_format::packed:
            return "packed";
        case attestation_format::fido_u2f:
            return "fido-u2f";
        case attestation_format::tpm:
            return "tpm";
    }
    return "unknown";
}

std::optional<attestation_format> parse_attestation_format(std::string_view fmt) noexcept {
    for (auto f : {attestation_format::none, attestation_format::packed, attestation_format::fido_u2f,
                   attestation_format::tpm}) {
        if (fmt == to_string(f)) return f;
    }
    return std::nullopt;
}

std::string_view to_string(attestation_type t) noexcept {
    switch (t) {
        case attestation_type::none:
            return "none";
        case attestation_type::self:
            return "self";
        case attestation_type::basic:
            return "basic";
    }
    return "unknown";
}

} // namespace asistencia::infra::webauthn
