// enrollment.devices and enrollment.enrollment_history over the PostgreSQL pool. Every
// change and its history row are written in one transaction.
#pragma once

#include "asistencia/application/enrollment/ports.hpp"
#include "asistencia/infra/postgres/pool.hpp"

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace asistencia::infra::repositories {

namespace net = boost::asio;
using application::enrollment::audit_context;
using application::enrollment::device;
using application::enrollment::new_device;

class device_repository final : public application::enrollment::device_store {
public:
    explicit device_repository(postgres::pool& pool);

    net::awaitable<std::optional<device>> find_active(std::int64_t user_id) override;
    net::awaitable<std::optional<device>> find_by_credential(std::string credential_id) override;
    net::awaitable<std::optional<device>> find_by_id(std::int64_t device_id) override;

    // Time since the user's last enrollment (for the re-enrollment cool-down); nullopt when
    // the user never enrolled.
    net::awaitable<std::optional<std::chrono::seconds>> since_last_enrollment(std::int64_t user_id) override;
    net::awaitable<bool> staff_revoked_since_last_enrollment(std::int64_t user_id) override;

    // Deactivates the user's active device, if any (history `re-enrolled`), inserts the new
    // one (history `enrolled`, with audit.metadata_json). A credential id already stored
    // anywhere gives errc::conflict (unique violation), and nothing changes.
    net::awaitable<device> enroll(
        new_device d, audit_context audit,
        std::vector<application::enrollment::superseded_registration>* superseded = nullptr) override;

    // Deactivates the device (history `revoked`) and ends its registrations in active
    // sessions; nullopt when it was not active.
    net::awaitable<std::optional<application::enrollment::revocation>> revoke(std::int64_t device_id,
                                                                              audit_context audit) override;

    // After a verified assertion: new counter, flags and last use. When the caller found the
    // device possibly cloned, the flag is set and history gets `updated` with the reason.
    net::awaitable<void> record_assertion(std::int64_t device_id, std::uint32_t sign_count, bool backup_eligible,
                                          bool backup_state, std::optional<std::string> cloned_reason) override;

private:
    postgres::pool& pool_;
};

} // namespace asistencia::infra::repositories
