// Google Benchmark of the frame loop's CPU per frame (PROTOCOL.md 6.4): seal a fresh QR
// payload, render it with libqrencode, base64 the packed bitmap for the `frame` message.
// A real frame also makes one Valkey Lua call (record_showing), not counted here.
#include "asistencia/domain/crypto/primitives.hpp"
#include "asistencia/domain/crypto/qr_payload.hpp"
#include "asistencia/domain/encoding/base64.hpp"
#include "asistencia/infra/qr/qr_renderer.hpp"

#include <benchmark/benchmark.h>

#include <algorithm>

namespace {

using namespace asistencia::domain;

crypto::qr_payload payload() {
    crypto::qr_payload p;
    p.session_id = 12;
    p.user_id = 100042;
    p.round = 2;
    p.issued_at_ms = 1'763'800'000'000ULL;
    p.totps = 123456;
    return p;
}

void BM_frame_seal_render_base64(benchmark::State& state) {
    auto p = payload();
    const auto k_qr = crypto::bytes(32, 0x5a);
    for (auto _ : state) {
        // A fresh payload per frame: new nonce, new time (seal_qr draws a new IV).
        const auto nonce = crypto::random_bytes(16);
        std::copy(nonce.begin(), nonce.end(), p.nonce.begin());
        ++p.issued_at_ms;
        const auto text = crypto::seal_qr(p, k_qr);
        const auto matrix = asistencia::infra::qr::render_qr(text);
        auto modules = encoding::base64_encode(matrix.packed);
        benchmark::DoNotOptimize(modules);
    }
}
BENCHMARK(BM_frame_seal_render_base64);

void BM_frame_render_only(benchmark::State& state) {
    const auto text = crypto::seal_qr(payload(), crypto::bytes(32, 0x5a));
    for (auto _ : state) {
        auto matrix = asistencia::infra::qr::render_qr(text);
        benchmark::DoNotOptimize(matrix);
    }
}
BENCHMARK(BM_frame_render_only);

// The frame loop's render: one fixed mask (infra/qr/frame_renderer.hpp), no mask scoring.
void BM_frame_render_fixed_mask(benchmark::State& state) {
    const auto text = crypto::seal_qr(payload(), crypto::bytes(32, 0x5a));
    for (auto _ : state) {
        auto matrix = asistencia::infra::qr::render_qr(text, asistencia::infra::qr::ecc_level::m, 2);
        benchmark::DoNotOptimize(matrix);
    }
}
BENCHMARK(BM_frame_render_fixed_mask);

} // namespace

BENCHMARK_MAIN();
