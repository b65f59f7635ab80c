// Google Benchmark for the protocol crypto on the answer path: TOTP verify (TOTPu with a
// ±1 window), QR payload seal (every frame) and open (every phone tries every QR), HKDF
// (per-session and per-device derivations) and the ECDH handshake at enrollment.
#include "asistencia/domain/crypto/ecdh.hpp"
#include "asistencia/domain/crypto/protocol_keys.hpp"
#include "asistencia/domain/crypto/qr_payload.hpp"
#include "asistencia/domain/crypto/totp.hpp"

#include <benchmark/benchmark.h>

namespace {

using namespace asistencia::domain::crypto;

const bytes key32 = bytes(32, 0x5a);

qr_payload payload() {
    qr_payload p;
    p.session_id = 12;
    p.user_id = 100042;
    p.round = 2;
    p.issued_at_ms = 1'763'800'000'000ULL;
    p.totps = 123456;
    return p;
}

void BM_totp_verify_window1(benchmark::State& state) {
    const std::int64_t now = 1'763'800'000;
    const auto code = totp_code(key32, now);
    for (auto _ : state) {
        auto r = totp_verify(key32, code, now, 1);
        benchmark::DoNotOptimize(r);
    }
}
BENCHMARK(BM_totp_verify_window1);

void BM_qr_seal(benchmark::State& state) {
    const auto p = payload();
    for (auto _ : state) {
        auto t = seal_qr(p, key32);
        benchmark::DoNotOptimize(t);
    }
}
BENCHMARK(BM_qr_seal);

void BM_qr_open_own(benchmark::State& state) {
    const auto text = seal_qr(payload(), key32);
    for (auto _ : state) {
        auto r = open_qr(text, key32);
        benchmark::DoNotOptimize(r);
    }
}
BENCHMARK(BM_qr_open_own);

void BM_qr_open_someone_elses(benchmark::State& state) {
    const auto text = seal_qr(payload(), bytes(32, 0x11));
    for (auto _ : state) {
        auto r = open_qr(text, key32);
        benchmark::DoNotOptimize(r);
    }
}
BENCHMARK(BM_qr_open_someone_elses);

void BM_hkdf_sha256_32(benchmark::State& state) {
    for (auto _ : state) {
        auto k = derive_session_totps_secret(key32, 12);
        benchmark::DoNotOptimize(k);
    }
}
BENCHMARK(BM_hkdf_sha256_32);

void BM_ecdh_handshake(benchmark::State& state) {
    const auto server = ecdh_generate();
    const auto phone = ecdh_generate();
    const bytes challenge(32, 1);
    const bytes credential(32, 2);
    for (auto _ : state) {
        auto s = derive_handshake_secret(*ecdh_shared_secret(server.private_scalar, phone.public_raw), challenge,
                                         credential);
        benchmark::DoNotOptimize(s);
    }
}
BENCHMARK(BM_ecdh_handshake);

} // namespace

BENCHMARK_MAIN();
