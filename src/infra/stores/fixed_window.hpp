// The fixed-window counter of the rate limits as a Lua function, shared by the limiter's own
// script (rate_limit_store) and the answer's take (round_store), which counts the hit in the
// same round trip as the read. Private to infra/stores.
#pragma once

namespace asistencia::infra::stores::detail {

// fixed_window(key, window_ms) -> hits in this window, ms left. A key that somehow lost its
// expiry gets it back, so a counter never blocks for good.
inline constexpr const char* lua_fixed_window_function = R"lua(
local function fixed_window(key, window_ms)
  local n = redis.call('INCR', key)
  if n == 1 then redis.call('PEXPIRE', key, window_ms) end
  local left = redis.call('PTTL', key)
  if left < 0 then
    redis.call('PEXPIRE', key, window_ms)
    left = tonumber(window_ms)
  end
  return n, left
end
)lua";

} // namespace asistencia::infra::stores::detail
