// Fixed parts for the WebAuthn fuzz targets: the W3C WebAuthn Level 3 vector 16.2
// (ES256, fmt none; rpId example.org), so that a fuzzed field is checked next to valid
// neighbours and the verifier gets past its first checks.
#pragma once

#include "asistencia/infra/webauthn/assertion.hpp"
#include "asistencia/infra/webauthn/registration.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace fuzz_data {

inline std::vector<std::uint8_t> hex(std::string_view h) {
    std::vector<std::uint8_t> out;
    for (std::size_t i = 0; i + 1 < h.size(); i += 2) {
        out.push_back(static_cast<std::uint8_t>(std::stoi(std::string(h.substr(i, 2)), nullptr, 16)));
    }
    return out;
}
inline std::vector<std::uint8_t> text(std::string_view t) { return {t.begin(), t.end()}; }

inline const std::string rp_id = "example.org";
inline const std::vector<std::string> origins{"https://example.org"};

inline const std::vector<std::uint8_t> registration_challenge =
    hex("00c30fb78531c464d2b6771dab8d7b603c01162f2fa486bea70f283ae556e130");
inline const std::vector<std::uint8_t> registration_client_data = text(
    R"({"type":"webauthn.create","challenge":"AMMPt4UxxGTStncdq417YDwBFi8vpIa-pw8oOuVW4TA","origin":"https://example.org","crossOrigin":false,"extraData":"clientDataJSON may be extended with additional fields in the future, such as this: BkQeDjdcTBrXBiAwJTLE5Q"})");
inline const std::vector<std::uint8_t> attestation_object =
    hex("a363666d74646e6f6e656761747453746d74a068617574684461746158a4bfabc37432958b063360d3ad6461c9c4735ae7f8edd46592a5"
        "e0f01452b2e4b559000000008446ccb9ab1db374750b2367ff6f3a1f0020f91f391db4c9b2fde0ea70189cba3fb63f579ba6122b33ad94"
        "ff3ec330084be4a5010203262001215820afefa16f97ca9b2d23eb86ccb64098d20db90856062eb249c33a9b672f26df61225820930a56"
        "b87a2fca66334b03458abf879717c12cc68ed73290af2e2664796b9220");

inline const std::vector<std::uint8_t> assertion_challenge =
    hex("39c0e7521417ba54d43e8dc95174f423dee9bf3cd804ff6d65c857c9abf4d408");
inline const std::vector<std::uint8_t> assertion_client_data = text(
    R"({"type":"webauthn.get","challenge":"OcDnUhQXulTUPo3JUXT0I97pvzzYBP9tZchXyav01Ag","origin":"https://example.org","crossOrigin":false})");
inline const std::vector<std::uint8_t> assertion_signature =
    hex("3046022100f50a4e2e4409249c4a853ba361282f09841df4dd4547a13a87780218deffcd380221008480ac0f0b93538174f575bf11a1dd"
        "5d78c6e486013f937295ea13653e331e87");
inline const std::vector<std::uint8_t> authenticator_data =
    hex("bfabc37432958b063360d3ad6461c9c4735ae7f8edd46592a5e0f01452b2e4b51900000000");

inline asistencia::infra::webauthn::registration_policy registration_policy() {
    namespace w = asistencia::infra::webauthn;
    w::registration_policy p;
    p.rp_id = rp_id;
    p.allowed_origins = origins;
    p.require_user_verification = false;
    p.allowed_formats = {w::attestation_format::none, w::attestation_format::packed, w::attestation_format::fido_u2f,
                         w::attestation_format::tpm};
    return p;
}

} // namespace fuzz_data
