// Helpers for the WebAuthn verifier tests: base64 decoding of vectors, default
// policies for localhost, and a libcbor builder for hand-made attestationObjects.
#pragma once

#include <cbor.h>

#include <cstdlib>
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "asistencia/infra/webauthn/assertion.hpp"
#include "asistencia/infra/webauthn/registration.hpp"
#include "soft_authenticator.hpp"

namespace asistencia::infra::webauthn {
// gtest prints error values by name ("challenge_mismatch") instead of as raw bytes.
inline void PrintTo(errc e, std::ostream* os) { *os << to_string(e); }
} // namespace asistencia::infra::webauthn

namespace asistencia::webauthn_test {

namespace wa = asistencia::infra::webauthn;
using asistencia::test_support::bytes;

inline constexpr const char* rp_id = "localhost";
inline constexpr const char* origin = "http://localhost:58090";

// Standard or URL alphabet, padding optional: only for known-good test vectors.
inline bytes b64(std::string_view text) {
    bytes out;
    std::uint32_t acc = 0;
    int bits = 0;
    for (char c : text) {
        int v;
        if (c >= 'A' && c <= 'Z')
            v = c - 'A';
        else if (c >= 'a' && c <= 'z')
            v = c - 'a' + 26;
        else if (c >= '0' && c <= '9')
            v = c - '0' + 52;
        else if (c == '-' || c == '+')
            v = 62;
        else if (c == '_' || c == '/')
            v = 63;
        else if (c == '=')
            break;
        else
            throw std::invalid_argument("bad base64 in a test vector");
        acc = (acc << 6) | static_cast<std::uint32_t>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<std::uint8_t>((acc >> bits) & 0xFF));
        }
    }
    return out;
}

inline bytes text(std::string_view s) { return bytes(s.begin(), s.end()); }

// Accepts every format and algorithm, requires UV: each test narrows what it checks.
inline wa::registration_policy open_policy() {
    wa::registration_policy p;
    p.rp_id = rp_id;
    p.allowed_origins = {origin};
    p.require_user_verification = true;
    p.allowed_formats = {wa::attestation_format::none, wa::attestation_format::packed, wa::attestation_format::fido_u2f,
                         wa::attestation_format::tpm};
    return p;
}

inline wa::assertion_policy assertion_policy() {
    wa::assertion_policy p;
    p.rp_id = rp_id;
    p.allowed_origins = {origin};
    p.require_user_verification = true;
    return p;
}

inline wa::registration_input input_of(const test_support::registration_response& r, const bytes& challenge) {
    return {r.client_data_json, r.attestation_object, challenge};
}

inline wa::assertion_input input_of(const test_support::assertion_response& r, const bytes& challenge) {
    return {r.client_data_json, r.authenticator_data, r.signature, challenge};
}

// Builds {fmt, attStmt, authData} by hand; attStmt is given as CBOR bytes.
inline bytes attestation_object(std::string_view fmt, const bytes& stmt_cbor, const bytes& auth_data) {
    cbor_load_result res{};
    cbor_item_t* stmt = cbor_load(stmt_cbor.data(), stmt_cbor.size(), &res);
    if (stmt == nullptr) throw std::invalid_argument("bad attStmt CBOR in a test");
    cbor_item_t* map = cbor_new_definite_map(3);
    const std::string f(fmt);
    cbor_map_add(map, {cbor_move(cbor_build_string("fmt")), cbor_move(cbor_build_string(f.c_str()))});
    cbor_map_add(map, {cbor_move(cbor_build_string("attStmt")), cbor_move(stmt)});
    cbor_map_add(map, {cbor_move(cbor_build_string("authData")),
                       cbor_move(cbor_build_bytestring(auth_data.data(), auth_data.size()))});
    unsigned char* buffer = nullptr;
    std::size_t size = 0;
    const std::size_t written = cbor_serialize_alloc(map, &buffer, &size);
    bytes out(buffer, buffer + written);
    std::free(buffer);
    cbor_decref(&map);
    return out;
}

// The parts of an attestationObject, for tests that rebuild one with a change.
struct attestation_parts {
    std::string fmt;
    bytes stmt;
    bytes auth_data;
};

inline attestation_parts split(const bytes& object) {
    cbor_load_result res{};
    cbor_item_t* map = cbor_load(object.data(), object.size(), &res);
    if (map == nullptr) throw std::invalid_argument("bad attestationObject in a test");
    attestation_parts out;
    for (std::size_t i = 0; i < cbor_map_size(map); ++i) {
        const cbor_pair& p = cbor_map_handle(map)[i];
        std::string key(reinterpret_cast<const char*>(cbor_string_handle(p.key)), cbor_string_length(p.key));
        if (key == "fmt") {
            out.fmt.assign(reinterpret_cast<const char*>(cbor_string_handle(p.value)), cbor_string_length(p.value));
        } else if (key == "authData") {
            out.auth_data.assign(cbor_bytestring_handle(p.value),
                                 cbor_bytestring_handle(p.value) + cbor_bytestring_length(p.value));
        } else if (key == "attStmt") {
            unsigned char* buffer = nullptr;
            std::size_t size = 0;
            const std::size_t written = cbor_serialize_alloc(p.value, &buffer, &size);
            out.stmt.assign(buffer, buffer + written);
            std::free(buffer);
        }
    }
    cbor_decref(&map);
    return out;
}

} // namespace asistencia::webauthn_test
