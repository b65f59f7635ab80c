// A software WebAuthn authenticator + client for tests: makes ES256/RS256/EdDSA
// credentials and produces registration responses (none, packed self, packed with x5c,
// fido-u2f) and assertions as a browser would hand them to the server, with knobs that
// break one field at a time for negative tests.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace asistencia::test_support {

using bytes = std::vector<std::uint8_t>;

enum class soft_algorithm : int { es256 = -7, eddsa = -8, rs256 = -257 };

enum class soft_attestation {
    none,        // fmt "none", attStmt {}
    packed_self, // fmt "packed", attStmt {alg, sig} signed with the credential key
    packed_x5c,  // fmt "packed", attStmt {alg: -7, sig, x5c: [fresh attestation cert]}
    fido_u2f,    // fmt "fido-u2f", attStmt {sig, x5c: [cert]} (ES256 credentials only)
};

// The AAGUID a soft_authenticator reports unless told otherwise.
inline constexpr std::array<std::uint8_t, 16> soft_aaguid{0x41, 0x53, 0x49, 0x53, 0x54, 0x45, 0x4e, 0x43,
                                                          0x49, 0x41, 0x2d, 0x53, 0x4f, 0x46, 0x54, 0x31};

// What the browser puts into clientDataJSON. Defaults are valid for origin
// http://localhost:58090; set a field to something else to break that check.
struct client_data_options {
    std::string type; // empty = the ceremony's own ("webauthn.create" / "webauthn.get")
    std::string origin = "http://localhost:58090";
    bytes challenge;                                 // encoded as base64url into "challenge"
    std::optional<std::string> challenge_text;       // sent verbatim instead of the encoding
    std::optional<bool> cross_origin = false;        // nullopt omits the member
    std::optional<std::string> token_binding_status; // adds tokenBinding: {status}
    bool chromium_extra_key = false;                 // adds Chromium's "other_keys_can_be_added_here"
    std::optional<std::string> raw_json;             // replaces clientDataJSON entirely
};

// A test certificate authority for attestation chains (WEBAUTHN_TRUST_ANCHORS tests): its
// certificate goes into the trust-anchor folder, its key signs the x5c leaf.
struct attestation_ca {
    std::string certificate_pem;
    std::string private_key_pem;
};
// A self-signed P-256 CA (v3, CA:TRUE, keyCertSign) valid from now + `not_before_seconds`
// for `lifetime_seconds`.
attestation_ca make_attestation_ca(const std::string& common_name, long not_before_seconds = -3600,
                                   long lifetime_seconds = 3600L * 24 * 365);

struct registration_options {
    std::string rp_id = "localhost"; // hashed into authData.rpIdHash
    client_data_options client;
    soft_algorithm algorithm = soft_algorithm::es256;
    soft_attestation attestation = soft_attestation::packed_self;
    std::size_t credential_id_size = 32;

    bool user_present = true;
    bool user_verified = true;
    bool backup_eligible = false;
    bool backup_state = false;
    // false: the counter stays 0 forever, as synced passkeys do.
    bool counter_enabled = true;
    std::uint32_t sign_count = 0; // in the registration's authData

    // Faults.
    bool include_attested_credential = true;                  // false: AT clear, no credential data
    std::optional<int> claimed_algorithm;                     // COSE_Key label 3 instead of the real alg
    std::optional<int> statement_algorithm;                   // attStmt.alg instead of the real alg
    std::optional<std::string> format;                        // fmt string instead of the real one
    bool corrupt_signature = false;                           // flips a bit of attStmt.sig
    std::optional<bytes> extensions;                          // a CBOR map appended to authData (ED set)
    std::string certificate_ou = "Authenticator Attestation"; // x5c subject OU
    bool certificate_aaguid_mismatch = false;                 // x5c AAGUID extension != authData AAGUID
    std::optional<attestation_ca> certificate_issuer;         // signs the x5c leaf (default: self-signed)
    long certificate_not_before_seconds = -3600;              // x5c leaf validity, relative to now
    long certificate_lifetime_seconds = 3600L * 24 * 365;
};

struct registration_response {
    bytes credential_id;
    bytes client_data_json;
    bytes attestation_object;
    std::string public_key_pem; // what the server should derive, for comparisons
};

struct assertion_options {
    std::string rp_id = "localhost";
    client_data_options client;
    bool user_present = true;
    bool user_verified = true;
    // nullopt: the credential's counter (incremented first when enabled).
    std::optional<std::uint32_t> sign_count;
    // nullopt: as at registration.
    std::optional<bool> backup_eligible;
    std::optional<bool> backup_state;
    bool corrupt_signature = false;
    std::optional<bytes> extensions; // a CBOR map appended to authData (ED set)
};

struct assertion_response {
    bytes credential_id;
    bytes client_data_json;
    bytes authenticator_data;
    bytes signature;
};

// One authenticator (a phone) holding any number of credentials. Not thread-safe;
// give each simulated student their own.
class soft_authenticator {
public:
    explicit soft_authenticator(std::array<std::uint8_t, 16> aaguid = soft_aaguid);
    ~soft_authenticator();
    soft_authenticator(soft_authenticator&&) noexcept;
    soft_authenticator& operator=(soft_authenticator&&) noexcept;

    // navigator.credentials.create: a new credential and its registration response.
    registration_response make_credential(const registration_options& options);

    // navigator.credentials.get with allowCredentials = [credential_id]. Throws
    // std::invalid_argument for an unknown credential id.
    assertion_response get_assertion(std::span<const std::uint8_t> credential_id, const assertion_options& options);

    // The counter the authenticator holds now for the credential.
    std::uint32_t sign_count(std::span<const std::uint8_t> credential_id) const;

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

// Helpers for tests that build WebAuthn inputs by hand.
std::string base64url_encode(std::span<const std::uint8_t> data);
bytes random_bytes(std::size_t n);
bytes to_bytes(std::string_view text);

} // namespace asistencia::test_support
