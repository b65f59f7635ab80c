// Composition root; see server_app.hpp. Order matters: the HTTP server stops first (no new
// work), then the io_context, and only then the pools its coroutines were using.
#include "asistencia/main/server_app.hpp"
#include "asistencia/main/resource_metrics.hpp"

#include "asistencia/application/attendance/attendance_service.hpp"
#include "asistencia/application/attendance/legacy_sync.hpp"
#include "asistencia/application/attendance/projection_service.hpp"
#include "asistencia/application/attendance/session_service.hpp"
#include "asistencia/application/enrollment/enrollment_service.hpp"
#include "asistencia/domain/crypto/protocol_keys.hpp"
#include "asistencia/domain/crypto/session_cookie.hpp"
#include "asistencia/domain/tokens/jwt.hpp"
#include "asistencia/infra/php_bridge/attendance_sender.hpp"
#include "asistencia/infra/php_bridge/course_directory.hpp"
#include "asistencia/infra/php_bridge/legacy_cache.hpp"
#include "asistencia/infra/php_bridge/user_directory.hpp"
#include "asistencia/infra/postgres/migrations.hpp"
#include "asistencia/infra/postgres/pool.hpp"
#include "asistencia/infra/qr/frame_renderer.hpp"
#include "asistencia/infra/repositories/attendance_repository.hpp"
#include "asistencia/infra/repositories/device_repository.hpp"
#include "asistencia/infra/repositories/outbox_repository.hpp"
#include "asistencia/infra/repositories/progress_repository.hpp"
#include "asistencia/infra/repositories/result_repository.hpp"
#include "asistencia/infra/repositories/session_repository.hpp"
#include "asistencia/infra/stores/app_session_store.hpp"
#include "asistencia/infra/stores/attendance_events.hpp"
#include "asistencia/infra/stores/ceremony_store.hpp"
#include "asistencia/infra/stores/projection_store.hpp"
#include "asistencia/infra/stores/rate_limit_store.hpp"
#include "asistencia/infra/stores/round_store.hpp"
#include "asistencia/infra/valkey/client.hpp"
#include "asistencia/infra/webauthn/enrollment_verifier.hpp"
#include "asistencia/infra/webauthn/join_verifier.hpp"
#include "asistencia/transport/api/app_session_routes.hpp"
#include "asistencia/transport/api/attendance_routes.hpp"
#include "asistencia/transport/api/enrollment_routes.hpp"
#include "asistencia/transport/api/history_routes.hpp"
#include "asistencia/transport/api/legacy_routes.hpp"
#include "asistencia/transport/api/results_routes.hpp"
#include "asistencia/transport/api/session_routes.hpp"
#include "asistencia/transport/auth/authenticator.hpp"
#include "asistencia/transport/http/server.hpp"
#include "asistencia/transport/http/tls.hpp"
#include "asistencia/transport/projection/projection_hub.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <csignal>

namespace asistencia::main {

namespace net = boost::asio;
namespace http = transport::http;

namespace {

std::shared_ptr<net::ssl::context> load_tls(const tls_config& tls) {
    try {
        auto ctx = http::make_tls_context({tls.cert_file, tls.key_file});
        spdlog::info("TLS: {}", http::describe_certificate(*ctx));
        return ctx;
    } catch (const http::tls_error& e) {
        throw config_error("TLS_CERT_FILE", e.what());
    }
}

http::server_config to_server_config(const config& cfg, std::shared_ptr<spdlog::logger> log) {
    http::server_config sc;
    sc.address = cfg.http.host;
    sc.port = cfg.http.port;
    sc.body_limit = cfg.http.max_body_bytes;
    std::error_code ec;
    if (!std::filesystem::is_directory(cfg.http.web_root, ec)) {
        throw config_error(
            "WEB_ROOT", "is not a directory: " + cfg.http.web_root + " (the folder of the web pages, e.g. <repo>/web)");
    }
    sc.static_root = std::filesystem::path(cfg.http.web_root);
    sc.logger = std::move(log);
    sc.trusted_proxies = http::proxy_list::parse(cfg.trusted_proxies);
    sc.hsts_max_age = cfg.tls.hsts_max_age;
    if (cfg.tls.enabled()) {
        sc.tls = load_tls(cfg.tls);
        if (cfg.tls.redirect_port != 0) sc.redirect_port = cfg.tls.redirect_port;
        sc.public_https_port = cfg.tls.public_port;
    }
    return sc;
}

// SIGHUP: read the certificate and key again and give them to new connections; a file that
// does not load is logged and the running certificate stays.
void reload_tls_on_sighup(net::signal_set& hup, http::server& server, const tls_config& tls) {
    hup.async_wait([&hup, &server, &tls](const boost::system::error_code& ec, int) {
        if (ec) return;
        try {
            auto ctx = http::make_tls_context({tls.cert_file, tls.key_file});
            spdlog::info("SIGHUP: TLS certificate reloaded ({}); open connections keep theirs",
                         http::describe_certificate(*ctx));
            server.set_tls_context(std::move(ctx));
        } catch (const http::tls_error& e) {
            spdlog::error("SIGHUP: TLS certificate not reloaded, the old one stays: {}", e.what());
        }
        reload_tls_on_sighup(hup, server, tls);
    });
}

void register_pool_metrics(http::metrics_registry& metrics, infra::postgres::pool& pg) {
    metrics.add_gauge_callback("asistencia_db_pool_in_use", "PostgreSQL connections leased to a running transaction.",
                               [&pg] { return static_cast<double>(pg.stats().in_use); });
    metrics.add_gauge_callback("asistencia_db_pool_open", "PostgreSQL connections established.",
                               [&pg] { return static_cast<double>(pg.stats().open); });
    metrics.add_gauge_callback("asistencia_db_pool_waiting", "Requests waiting for a free PostgreSQL connection.",
                               [&pg] { return static_cast<double>(pg.stats().waiting); });
}

infra::valkey::settings to_valkey_settings(const valkey_config& v) {
    infra::valkey::settings s;
    s.host = v.host;
    s.port = v.port;
    s.key_prefix = v.key_prefix;
    s.command_timeout = v.command_timeout;
    return s;
}

void register_valkey_metrics(http::metrics_registry& metrics, const infra::valkey::client& kv) {
    metrics.add_counter_callback("asistencia_valkey_reconnects_total",
                                 "Times the Valkey connection was re-established after a loss.",
                                 [&kv] { return static_cast<double>(kv.stats().reconnects); });
    metrics.add_gauge_callback("asistencia_valkey_connected", "1 while Valkey is connected.",
                               [&kv] { return kv.stats().connected ? 1.0 : 0.0; });
}

infra::php_bridge::client_settings to_php_settings(const php_config& php) {
    infra::php_bridge::client_settings s;
    s.base_url = php.base_url;
    s.request_timeout = php.timeout;
    s.connect_timeout = php.connect_timeout;
    s.max_attempts = php.max_attempts;
    s.breaker = {php.breaker_threshold, php.breaker_open};
    return s;
}

void register_php_metrics(http::metrics_registry& metrics, const infra::php_bridge::http_client& php,
                          const infra::php_bridge::legacy_cache& cache) {
    using infra::php_bridge::breaker_state;
    metrics.add_counter_callback("asistencia_php_requests_total", "Calls to the PHP bridge.",
                                 [&php] { return static_cast<double>(php.stats().requests); });
    metrics.add_counter_callback("asistencia_php_failures_total",
                                 "PHP bridge calls that ended without an answer (after retries).",
                                 [&php] { return static_cast<double>(php.stats().failures); });
    metrics.add_gauge_callback("asistencia_php_circuit_open", "1 while the PHP circuit breaker is open.",
                               [&php] { return php.circuit_state() == breaker_state::open ? 1.0 : 0.0; });
    metrics.add_counter_callback("asistencia_php_latency_seconds_sum", "Total time of answered PHP calls.",
                                 [&php] { return php.stats().latency_seconds_sum; });
    metrics.add_counter_callback("asistencia_php_latency_seconds_count", "Answered PHP calls.",
                                 [&php] { return static_cast<double>(php.stats().latency_count); });
    metrics.add_counter_callback("asistencia_php_cache_hits_total", "Legacy data served from Valkey.",
                                 [&cache] { return static_cast<double>(cache.stats().hits); });
    metrics.add_counter_callback("asistencia_php_cache_misses_total", "Legacy data fetched from PHP.",
                                 [&cache] { return static_cast<double>(cache.stats().misses); });
    metrics.add_counter_callback("asistencia_php_cache_coalesced_total",
                                 "Misses that waited for another request's PHP call (single-flight).",
                                 [&cache] { return static_cast<double>(cache.stats().coalesced); });
}

infra::webauthn::registration_policy registration_policy(const config& cfg) {
    using infra::webauthn::attestation_format;
    infra::webauthn::registration_policy p;
    p.rp_id = cfg.webauthn.rp_id;
    p.allowed_origins = cfg.webauthn.origins;
    p.allowed_formats = {attestation_format::packed, attestation_format::fido_u2f, attestation_format::tpm};
    // "none" (the default): phones that do not attest are welcome; the per-device ECDH
    // secret, not the attestation, binds a student to a phone (PROTOCOL.md 5.4).
    if (cfg.webauthn.attestation == "none") p.allowed_formats.push_back(attestation_format::none);
    // "direct": only chains to a configured vendor root; a broken folder stops the start.
    if (cfg.webauthn.attestation == "direct") {
        p.trusted_roots = infra::webauthn::trust_anchors::load_directory(cfg.webauthn.trust_anchors);
        spdlog::info("webauthn: {} attestation trust anchors from {}", p.trusted_roots->size(),
                     cfg.webauthn.trust_anchors);
    }
    return p;
}

application::enrollment::enrollment_settings enrollment_settings(const config& cfg) {
    application::enrollment::enrollment_settings s;
    s.rp_id = cfg.webauthn.rp_id;
    s.rp_name = cfg.webauthn.rp_name;
    s.attestation = cfg.webauthn.attestation;
    s.reenroll_cooldown = cfg.reenroll_cooldown;
    s.at_rest_keys = cfg.at_rest_keys;
    return s;
}

// Legacy sync (PROTOCOL.md 6.7): the outbox worker's counters.
void register_outbox_metrics(http::metrics_registry& metrics, const application::attendance::legacy_sync& sync) {
    const auto& st = sync.stats();
    metrics.add_gauge_callback("asistencia_outbox_pending", "Results waiting to be posted to the legacy system.",
                               [&st] { return static_cast<double>(st.pending.load()); });
    metrics.add_counter_callback("asistencia_outbox_delivered_total", "Results the legacy system acknowledged.",
                                 [&st] { return static_cast<double>(st.delivered.load()); });
    metrics.add_counter_callback("asistencia_outbox_retries_total",
                                 "Posts to the legacy system that failed and will be retried.",
                                 [&st] { return static_cast<double>(st.retries.load()); });
    metrics.add_counter_callback("asistencia_outbox_failed_total",
                                 "Results the legacy system refused for good (not retried).",
                                 [&st] { return static_cast<double>(st.failed.load()); });
}

application::attendance::attendance_settings attendance_settings(const config& cfg, std::string participation_key,
                                                                 const application::rate_rule& answer_limit) {
    application::attendance::attendance_settings s;
    s.rp_id = cfg.webauthn.rp_id;
    s.max_failed_attempts = cfg.rounds.max_failed_attempts;
    s.scoring = cfg.rounds.scoring;
    s.totp_step_seconds = cfg.rounds.totp_step_seconds;
    s.master_key = cfg.master_key;
    s.at_rest_keys = cfg.at_rest_keys;
    s.participation_key = std::move(participation_key);
    s.answer_limit = answer_limit;
    return s;
}

// The RATE_LIMIT_* rules over the Valkey limiter (docs/http.md).
application::rate_limits rate_limits(const rate_limit_config& c, application::rate_limiter& limiter) {
    application::rate_limits l;
    l.limiter = &limiter;
    l.internal.limit = c.internal_per_minute;
    l.enroll_start.limit = c.enroll_start_per_minute;
    l.join_options.limit = c.join_per_minute;
    l.join.limit = c.join_per_minute;
    l.answers.limit = c.answers_per_second;
    l.ws_upgrades.limit = c.ws_upgrades_per_minute;
    l.projector_messages_per_second = c.projector_messages_per_second;
    return l;
}

void register_rate_limit_metrics(http::metrics_registry& metrics, const infra::stores::valkey_rate_limiter& l,
                                 const infra::stores::valkey_round_store& rounds) {
    // The answers' limit is counted by the round store's take (same round trip as the read).
    metrics.add_counter_callback(
        "asistencia_rate_limited_total", "Requests refused with 429 rate_limited.",
        [&l, &rounds] { return static_cast<double>(l.stats().refused + rounds.answers_limited()); });
    metrics.add_counter_callback("asistencia_rate_limit_unchecked_total",
                                 "Requests let through unchecked because Valkey did not answer (fail open).",
                                 [&l] { return static_cast<double>(l.stats().degraded); });
}

// Closes sessions past their closes_at every `period` until the io_context stops. A failed
// sweep (PostgreSQL down) is logged and retried at the next tick.
net::awaitable<void> sweep_expired_sessions(application::attendance::attendance_service& sessions,
                                            std::chrono::seconds period) {
    net::steady_timer timer(co_await net::this_coro::executor);
    for (;;) {
        timer.expires_after(period);
        co_await timer.async_wait(net::use_awaitable);
        try {
            const auto closed = co_await sessions.close_expired();
            for (const auto id : closed) spdlog::info("session {} closed: its maximum duration passed", id);
        } catch (const std::exception& e) {
            spdlog::warn("session sweep failed: {}", e.what());
        }
    }
}

} // namespace

int run_server(const config& cfg, std::shared_ptr<spdlog::logger> access_log) {
    const auto& pg_settings = cfg.database;
    if (cfg.migrate_on_start) {
        const auto applied = infra::postgres::migrate_up(pg_settings);
        spdlog::info("migrations: {} applied at start", applied.size());
    }

    net::io_context ioc(1);
    infra::postgres::pool pg(pg_settings);
    http::metrics_registry metrics;
    register_pool_metrics(metrics, pg);
    infra::valkey::client kv(ioc.get_executor(), to_valkey_settings(cfg.valkey));
    register_valkey_metrics(metrics, kv);
    kv.start();
    // Database/table sizes and Valkey memory, sampled off the scrape path (docs/operations.md).
    net::co_spawn(ioc, sample_resources(metrics, pg, kv, std::chrono::seconds(60)), net::detached);
    domain::tokens::outbound_token_cache php_token(cfg.jwt_secret_internal, domain::tokens::token_settings{});
    auto php_settings = to_php_settings(cfg.php);
    auto& php_latency =
        metrics.add_histogram("asistencia_php_request_duration_seconds", "Duration of answered PHP bridge calls.", {})
            .with({});
    php_settings.on_latency = [&php_latency](double s) { php_latency.observe(s); };
    infra::php_bridge::http_client php(ioc.get_executor(), std::move(php_settings),
                                       [&php_token] { return php_token.get(); });
    infra::php_bridge::legacy_bridge bridge(php);
    infra::php_bridge::legacy_cache legacy(kv, bridge);
    register_php_metrics(metrics, php, legacy);

    http::server server(ioc.get_executor(), to_server_config(cfg, std::move(access_log)), metrics);
    server.add_readiness_check("postgres", [&pg]() { return pg.ping(); });
    server.add_readiness_check("valkey", [&kv]() { return kv.ping(std::chrono::milliseconds(1000)); });

    const auto participation_key_bytes = domain::crypto::derive_participation_key(cfg.master_key);
    const std::string participation_key(participation_key_bytes.begin(), participation_key_bytes.end());
    const transport::auth::authenticator auth(cfg.jwt_secret, cfg.jwt_secret_internal, participation_key,
                                              domain::tokens::token_settings{});
    infra::stores::valkey_rate_limiter limiter(kv);
    const auto limits = rate_limits(cfg.rate_limits, limiter);
    transport::api::add_legacy_routes(server, auth, legacy, bridge);

    // The app session behind the pages' cookie (PROTOCOL.md 3, docs/tokens.md).
    infra::stores::valkey_app_session_store app_session_rows(kv);
    application::app_session::session_service app_sessions(app_session_rows,
                                                           domain::crypto::derive_app_session_key(cfg.master_key),
                                                           {cfg.app_session_idle, cfg.app_session_max});
    server.set_request_hook(transport::api::app_session_hook(app_sessions, {cfg.webauthn.origins}));
    transport::api::add_app_session_routes(server, auth, app_sessions, {cfg.webauthn.origins});

    infra::repositories::device_repository devices(pg);
    infra::stores::valkey_ceremony_store ceremonies(kv, cfg.master_key);
    infra::php_bridge::legacy_user_directory directory(legacy, bridge);
    const infra::webauthn::enrollment_verifier verifier(registration_policy(cfg));
    application::enrollment::enrollment_service enrollment(enrollment_settings(cfg), devices, ceremonies, directory,
                                                           verifier);
    transport::api::add_enrollment_routes(server, auth, enrollment, limits);

    infra::repositories::session_repository session_rows(pg);
    infra::php_bridge::legacy_course_directory courses(legacy, bridge);
    application::attendance::session_service sessions(session_rows, courses, cfg.session_max_minutes);
    infra::repositories::attendance_repository attendance_rows(pg);
    infra::stores::valkey_round_store rounds(kv, cfg.master_key);
    register_rate_limit_metrics(metrics, limiter, rounds);
    infra::stores::valkey_attendance_events events(ioc.get_executor(), kv);
    const infra::webauthn::join_verifier join_verifier({cfg.webauthn.rp_id, cfg.webauthn.origins, true});
    application::attendance::attendance_service attendance(attendance_settings(cfg, participation_key, limits.answers),
                                                           sessions, session_rows, courses, attendance_rows, rounds,
                                                           devices, join_verifier, events);
    enrollment.set_revocation_listener(&attendance); // a revoked phone stops answering at once
    application::attendance::review_service review(sessions, attendance_rows, courses);
    transport::api::add_session_routes(server, auth, sessions, attendance, review, limits);
    transport::api::add_attendance_routes(server, auth, attendance, limits);
    net::co_spawn(ioc, sweep_expired_sessions(attendance, cfg.session_sweep), net::detached);

    // Legacy sync (6.7): the outbox worker and the results PHP reads.
    infra::repositories::outbox_repository outbox_rows(pg);
    infra::php_bridge::php_attendance_sender attendance_sender(bridge);
    application::attendance::legacy_sync legacy_sync(outbox_rows, attendance_sender);
    register_outbox_metrics(metrics, legacy_sync);
    net::co_spawn(ioc, legacy_sync.run(cfg.outbox_poll), net::detached);
    infra::repositories::result_repository result_rows(pg);
    transport::api::add_legacy_results_route(server, auth, result_rows, limits);
    // History and summaries (issue 11 point 5, issue 12 point 4).
    application::attendance::history_service history(session_rows, result_rows, courses);
    transport::api::add_history_routes(server, auth, history);

    // The projection WebSocket and the frame loop (PROTOCOL.md 6.4, docs/projection.md).
    transport::projection::projection_settings projection_cfg;
    projection_cfg.allowed_origins = cfg.webauthn.origins;
    projection_cfg.frame_interval = cfg.rounds.frame_interval;
    projection_cfg.limits = &limits;
    infra::stores::valkey_projection_lease projection_lease(kv);
    infra::stores::valkey_frame_channel projection_frames(kv);
    infra::stores::valkey_projector_registry projectors(kv);
    infra::stores::valkey_projection_feed projection_feed(ioc.get_executor(), to_valkey_settings(cfg.valkey),
                                                          kv.keys());
    infra::repositories::progress_repository progress_rows(pg);
    const infra::qr::frame_renderer qr_frames;
    application::attendance::class_loop_rounds loop_rounds(sessions, attendance);
    application::attendance::frame_loop_settings loop_cfg;
    loop_cfg.totp_step_seconds = attendance.settings().totp_step_seconds;
    loop_cfg.master_key = attendance.settings().master_key;
    application::attendance::projection_service projection_use_case(
        loop_cfg, {projection_lease, rounds, loop_rounds, projection_frames, qr_frames, progress_rows});
    transport::projection::projection_hub projection(ioc.get_executor(), projection_cfg, auth, sessions,
                                                     projection_use_case, projectors, projection_feed, metrics);
    projection.attach(server);

    server.listen();
    spdlog::info("listening on {}://{}:{}", cfg.tls.enabled() ? "https" : "http", cfg.http.host, server.port());
    if (server.redirect_port() != 0)
        spdlog::info("redirecting http://{}:{} to https", cfg.http.host, server.redirect_port());
    net::signal_set hup(ioc);
    if (cfg.tls.enabled()) {
        hup.add(SIGHUP);
        reload_tls_on_sighup(hup, server, cfg.tls);
    }

    net::signal_set signals(ioc, SIGINT, SIGTERM);
    signals.async_wait([&](const boost::system::error_code& ec, int signo) {
        if (ec) return;
        spdlog::info("signal {}: stopping (grace {} ms)", signo, cfg.http.shutdown_grace.count());
        projection.stop();
        hup.cancel();
        server.stop(cfg.http.shutdown_grace, [&ioc, &kv](bool clean) {
            if (!clean) spdlog::warn("shutdown: requests were cut at the deadline");
            kv.stop();
            ioc.stop();
        });
    });

    ioc.run();
    spdlog::info("stopped");
    return 0;
}

} // namespace asistencia::main
