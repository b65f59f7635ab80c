// libFuzzer target for the token verifier: arbitrary bytes as a token, and arbitrary
// header/payload JSON signed with the right key (so claim parsing and cpp-jwt's decode are
// reached too). Traps when a refused algorithm is accepted or a result is inconsistent.
#include "asistencia/domain/tokens/jwt.hpp"
#include "asistencia/domain/tokens/jwt_raw.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string>
#include <string_view>

namespace {

using namespace asistencia::domain::tokens;

const std::string secret = "fuzz-secret-ñ";
const token_settings settings{};

// A token we accept must have a JSON header whose alg is exactly "HS256".
bool header_says_hs256(const std::string& header_json) {
    const auto header = nlohmann::json::parse(header_json, nullptr, false);
    if (!header.is_object()) return false;
    const auto alg = header.find("alg");
    return alg != header.end() && alg->is_string() && *alg == "HS256";
}

void check_all(std::string_view token, bool header_known, bool header_hs256) {
    const auto now = clock::now();
    const auto user = verify_user_token(token, secret, settings, now);
    const auto inbound = verify_internal_inbound_token(token, secret, settings, now);
    const auto outbound = verify_internal_outbound_token(token, secret, settings, now);
    const auto seat = verify_participation_token(token, secret, settings, now);
    const bool any = user || inbound || outbound || seat;
    if (any && (token.size() > max_token_bytes || token.empty())) __builtin_trap();
    if (any && header_known && !header_hs256) __builtin_trap();
    // A token is of one kind at most.
    if (static_cast<int>(user.has_value()) + inbound.has_value() + outbound.has_value() + seat.has_value() > 1) {
        __builtin_trap();
    }
    if (user && (user->user_id <= 0 || user->username.empty())) __builtin_trap();
    if (seat && (seat->session_id <= 0 || seat->user_id <= 0 || seat->device_id <= 0)) {
        __builtin_trap();
    }
    const auto now_s = std::chrono::floor<std::chrono::seconds>(now);
    if (user && user->expires_at + max_leeway < now_s) __builtin_trap();
    // Verification is deterministic.
    const auto again = verify_user_token(token, secret, settings, now);
    if (again.has_value() != user.has_value()) __builtin_trap();
    if (!again && again.error() != user.error()) __builtin_trap();
}

} // namespace

// Mode 3: a valid token of one kind with one claim replaced by the fuzzer's JSON value
// (or removed when the bytes are not JSON), so every claim check is reached.
void fuzz_one_claim(std::uint8_t selector, std::string_view value_text) {
    static const char* const names[] = {"exp",    "nbf", "iat",      "iss", "aud", "sub", "typ",
                                        "userId", "rol", "username", "sid", "uid", "did"};
    const auto now = std::chrono::floor<std::chrono::seconds>(clock::now());
    const auto exp = (now + std::chrono::hours{1}).time_since_epoch().count();
    nlohmann::json payload;
    switch (selector % 3) {
        case 0:
            payload = {{"sub", "7"}, {"userId", 7}, {"username", "u"}, {"rol", "alumno"}, {"iss", "php-legacy-system"},
                       {"exp", exp}};
            break;
        case 1:
            payload = {
                {"iss", "php-legacy-system"}, {"aud", "node-service"}, {"sub", "internal-communication"}, {"exp", exp}};
            break;
        default:
            payload = {{"sid", 1},  {"uid", 2}, {"did", 3}, {"typ", "participation"}, {"iss", "node-service"},
                       {"exp", exp}};
            break;
    }
    const char* name = names[(selector / 3U) % std::size(names)];
    auto value = nlohmann::json::parse(value_text, nullptr, false);
    if (value.is_discarded()) {
        payload.erase(name);
    } else {
        payload[name] = std::move(value);
    }
    check_all(raw::sign_hs256(R"({"alg":"HS256","typ":"JWT"})", payload.dump(), secret), true, true);
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 2) return 0;
    const std::string_view input{reinterpret_cast<const char*>(data) + 1, size - 1};
    if ((data[0] & 3U) == 3U) {
        fuzz_one_claim(data[1], input.substr(1));
        return 0;
    }
    if ((data[0] & 1U) == 0) {
        check_all(input, false, false);
        return 0;
    }
    // header JSON '\n' payload JSON, signed with the verifier's own secret.
    const auto nl = input.find('\n');
    const std::string header{input.substr(0, nl)};
    const std::string payload{nl == std::string_view::npos ? std::string_view{} : input.substr(nl + 1)};
    const std::string token = raw::sign_hs256(header, payload, secret);
    check_all(token, true, header_says_hs256(header));
    return 0;
}
