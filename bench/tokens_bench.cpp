// Google Benchmark for the token module: verify (accepted and early refusals) and issue,
// for the user token on every authenticated request and the participation token on every
// answer.
#include "asistencia/domain/tokens/jwt.hpp"

#include <benchmark/benchmark.h>

#include <string>

namespace {

using namespace asistencia::domain::tokens;

const std::string secret = "secret_para_usuarios_5min_ttl";
const token_settings settings{};

user_claims alice() {
    user_claims c;
    c.user_id = 100001;
    c.username = "alice";
    c.role = user_role::alumno;
    return c;
}

void BM_verify_user_token(benchmark::State& state) {
    const auto token = issue_user_token(alice(), secret, settings).token;
    for (auto _ : state) {
        auto r = verify_user_token(token, secret, settings);
        benchmark::DoNotOptimize(r);
        if (!r) state.SkipWithError("token refused");
    }
}
BENCHMARK(BM_verify_user_token);

void BM_verify_user_token_bad_signature(benchmark::State& state) {
    auto token = issue_user_token(alice(), secret, settings).token;
    token[token.size() - 3] = token[token.size() - 3] == 'A' ? 'B' : 'A';
    for (auto _ : state) {
        auto r = verify_user_token(token, secret, settings);
        benchmark::DoNotOptimize(r);
    }
}
BENCHMARK(BM_verify_user_token_bad_signature);

void BM_verify_too_large(benchmark::State& state) {
    const std::string token(max_token_bytes + 1, 'A');
    for (auto _ : state) {
        auto r = verify_user_token(token, secret, settings);
        benchmark::DoNotOptimize(r);
    }
}
BENCHMARK(BM_verify_too_large);

void BM_issue_user_token(benchmark::State& state) {
    for (auto _ : state) {
        auto t = issue_user_token(alice(), secret, settings);
        benchmark::DoNotOptimize(t);
    }
}
BENCHMARK(BM_issue_user_token);

void BM_verify_participation_token(benchmark::State& state) {
    participation_claims c;
    c.session_id = 77;
    c.user_id = 100001;
    c.device_id = 9;
    const auto token = issue_participation_token(c, secret, settings, std::nullopt).token;
    for (auto _ : state) {
        auto r = verify_participation_token(token, secret, settings);
        benchmark::DoNotOptimize(r);
        if (!r) state.SkipWithError("token refused");
    }
}
BENCHMARK(BM_verify_participation_token);

void BM_issue_participation_token(benchmark::State& state) {
    participation_claims c;
    c.session_id = 77;
    c.user_id = 100001;
    c.device_id = 9;
    for (auto _ : state) {
        auto t = issue_participation_token(c, secret, settings, std::nullopt);
        benchmark::DoNotOptimize(t);
    }
}
BENCHMARK(BM_issue_participation_token);

} // namespace

BENCHMARK_MAIN();
