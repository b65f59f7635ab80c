// Test clients of a class over the real server: a student's phone (software passkey, ECDH
// enrollment, the phone-side key derivations, join and answers) and the helpers around it
// (tokens, SQL through scripts/svc). Header-only; used by the attendance API tests and the
// virtual classroom.
#pragma once

#include "asistencia/domain/crypto/ecdh.hpp"
#include "asistencia/domain/crypto/protocol_keys.hpp"
#include "asistencia/domain/crypto/qr_payload.hpp"
#include "asistencia/domain/crypto/totp.hpp"
#include "asistencia/domain/encoding/base64.hpp"
#include "asistencia/domain/tokens/jwt.hpp"
#include "soft_authenticator.hpp"
#include "test_helpers.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <map>

namespace class_test {

namespace tokens = asistencia::domain::tokens;
namespace crypto = asistencia::domain::crypto;
namespace enc = asistencia::domain::encoding;
namespace ts = asistencia::test_support;
using nlohmann::json;
using server_test::bearer_user;
using server_test::env_or_fail;
using server_test::professor_token;
using server_test::shell;
using server_test::sql;
using server_test::student_token;

inline std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// A fixed master key for the server under test, so the test can act as the frame loop.
inline crypto::bytes test_master_key() { return crypto::bytes(32, 0x5a); }
inline std::string test_master_key_b64() { return enc::base64_encode(test_master_key()); }

struct http_reply {
    int status = 0;
    json body;
    std::map<std::string, std::string> headers; // lower-case names
    std::string code() const {
        return body.is_object() && body.contains("error") ? body["error"].value("code", "") : "";
    }
};

inline http_reply call(std::uint16_t port, server_test::http::verb verb, const std::string& target,
                       const std::string& auth, const json& body = json::object()) {
    const auto r = server_test::request(port, verb, target, {{"Authorization", auth}},
                                        verb == server_test::http::verb::get ? "" : body.dump());
    if (!r) return {};
    return {r->status, json::parse(r->body, nullptr, false), r->headers};
}

// A student's phone: one passkey, the ECDH secret, the derived keys, the participation token.
class phone {
public:
    phone(std::uint16_t port, std::string origin, std::int64_t user_id)
        : port_(port), origin_(std::move(origin)), user_id_(user_id) {}

    std::int64_t user_id() const { return user_id_; }
    const crypto::device_keys& keys() const { return keys_; }
    const std::string& participation() const { return participation_; }
    ts::soft_authenticator& authenticator() { return passkey_; }
    const std::string& last_error() const { return last_error_; }

    // Enrollment (PROTOCOL.md 5): start, create, ECDH, finish. Returns the finish status.
    int enroll() {
        const auto start = call(port_, server_test::http::verb::post, "/api/enrollment/start", student_token(user_id_));
        if (start.status != 200) return start.status;
        const auto challenge = *enc::base64url_decode(start.body["publicKey"]["challenge"].get<std::string>());
        const auto server_key = *enc::base64url_decode(start.body["serverHandshakeKey"].get<std::string>());
        ts::registration_options opts;
        opts.rp_id = "localhost";
        opts.client.origin = origin_;
        opts.client.challenge = challenge;
        opts.attestation = ts::soft_attestation::none;
        const auto reg = passkey_.make_credential(opts);
        credential_id_ = reg.credential_id;
        const auto mine = crypto::ecdh_generate();
        const auto secret = crypto::derive_handshake_secret(
            *crypto::ecdh_shared_secret(mine.private_scalar, server_key), challenge, reg.credential_id);
        keys_ = crypto::derive_device_keys(secret);
        const auto id = enc::base64url_encode(reg.credential_id);
        const json body{{"credential",
                         {{"id", id},
                          {"rawId", id},
                          {"type", "public-key"},
                          {"response",
                           {{"clientDataJSON", enc::base64url_encode(reg.client_data_json)},
                            {"attestationObject", enc::base64url_encode(reg.attestation_object)}}}}},
                        {"clientHandshakeKey", enc::base64url_encode(mine.public_raw)},
                        {"deviceFingerprint", "classroom-phone"}};
        const auto r =
            call(port_, server_test::http::verb::post, "/api/enrollment/finish", student_token(user_id_), body);
        last_error_ = r.body.dump();
        return r.status;
    }

    http_reply join_options(std::int64_t session_id) {
        return call(port_, server_test::http::verb::post,
                    "/api/attendance/sessions/" + std::to_string(session_id) + "/join/options",
                    student_token(user_id_));
    }

    // The assertion a browser would send for `options` (tweak it with `opts`).
    json assertion(const json& options, ts::assertion_options opts = {}) {
        opts.rp_id = "localhost";
        opts.client.origin = origin_;
        opts.client.challenge = *enc::base64url_decode(options["publicKey"]["challenge"].get<std::string>());
        const auto a = passkey_.get_assertion(credential_id_, opts);
        const auto id = enc::base64url_encode(a.credential_id);
        return json{{"credential",
                     {{"id", id},
                      {"rawId", id},
                      {"type", "public-key"},
                      {"response",
                       {{"clientDataJSON", enc::base64url_encode(a.client_data_json)},
                        {"authenticatorData", enc::base64url_encode(a.authenticator_data)},
                        {"signature", enc::base64url_encode(a.signature)}}}}}};
    }

    http_reply join_with(std::int64_t session_id, const json& assertion_body) {
        auto r = call(port_, server_test::http::verb::post,
                      "/api/attendance/sessions/" + std::to_string(session_id) + "/join", student_token(user_id_),
                      assertion_body);
        if (r.status == 200) participation_ = r.body.value("participationToken", "");
        return r;
    }

    // Options + assertion + join.
    http_reply join(std::int64_t session_id, ts::assertion_options opts = {}) {
        const auto options = join_options(session_id);
        if (options.status != 200) return options;
        return join_with(session_id, assertion(options.body, std::move(opts)));
    }

    // The answer body for a QR this phone opened.
    json answer_for(const crypto::qr_payload& p) const {
        return json{{"round", p.round},
                    {"nonce", enc::base64url_encode(std::span<const std::uint8_t>(p.nonce))},
                    {"totps", totps_text(p.totps)},
                    {"totpu", crypto::totp_code(keys_.k_totpu, now_ms() / 1000)},
                    {"clientScannedAt", now_ms()}};
    }

    http_reply send_answer(std::int64_t session_id, const json& body) const {
        return call(port_, server_test::http::verb::post,
                    "/api/attendance/sessions/" + std::to_string(session_id) + "/responses", "Bearer " + participation_,
                    body);
    }

    // Tries to open a QR text; only this phone's own opens.
    std::optional<crypto::qr_payload> open(const std::string& qr_text) const {
        const auto r = crypto::open_qr(qr_text, keys_.k_qr);
        if (const auto* p = std::get_if<crypto::qr_payload>(&r)) return *p;
        return std::nullopt;
    }

    static std::string totps_text(std::uint32_t v) {
        char buf[16];
        std::snprintf(buf, sizeof buf, "%06u", v);
        return buf;
    }

private:
    std::uint16_t port_;
    std::string origin_;
    std::int64_t user_id_;
    ts::soft_authenticator passkey_;
    ts::bytes credential_id_;
    crypto::device_keys keys_;
    std::string participation_;
    std::string last_error_;
};

} // namespace class_test
