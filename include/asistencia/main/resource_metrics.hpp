// Gauges of what the deployment holds, for alerting and capacity (docs/operations.md):
// database and table sizes, Valkey memory and key count. Sampled in the background every
// `interval` (the queries cost more than a scrape should), so /metrics stays cheap.
#pragma once

#include "asistencia/infra/postgres/pool.hpp"
#include "asistencia/infra/valkey/client.hpp"
#include "asistencia/transport/http/metrics.hpp"

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace asistencia::main {

// One field of Valkey's INFO text ("used_memory:1234\r\n..."); nullopt when absent.
std::optional<double> info_field(std::string_view info, std::string_view field);

// Registers the gauges and samples until the executor stops. A dependency that is down
// leaves the last values in place and counts asistencia_resource_sample_failures_total.
boost::asio::awaitable<void> sample_resources(transport::http::metrics_registry& metrics, infra::postgres::pool& pg,
                                              infra::valkey::client& kv, std::chrono::seconds interval);

} // namespace asistencia::main
