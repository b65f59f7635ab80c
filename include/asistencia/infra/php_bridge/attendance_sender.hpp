// The outbox worker's sender (PROTOCOL.md 6.7) over the PHP bridge: posts one row to
// registrar_asistencia_crypto.php and sorts PHP's answer into delivered, retry later
// (PHP down, slow, 5xx, our token refused) or refused for good (400, 404, 409, 413, 422).
#pragma once

#include "asistencia/application/attendance/legacy_sync.hpp"
#include "asistencia/infra/php_bridge/legacy_bridge.hpp"

#include <string_view>

namespace asistencia::infra::php_bridge {

// Pure, unit-tested: the outcome of an HTTP answer of registrar_asistencia_crypto.php. The
// reason names the status and PHP's error code (from {"error":{"code":..}}), never the body.
application::attendance::send_result classify_attendance_answer(unsigned status, std::string_view body);

class php_attendance_sender final : public application::attendance::attendance_sender {
public:
    explicit php_attendance_sender(legacy_bridge& bridge) : bridge_(bridge) {}
    net::awaitable<application::attendance::send_result> send(const application::attendance::outbox_row& row) override;

private:
    legacy_bridge& bridge_;
};

} // namespace asistencia::infra::php_bridge
