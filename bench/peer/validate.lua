-- wrk script: the peer's POST /bench/validate (Valkey HGETALL + TOTP + AES-GCM open + INSERT)
-- for 1,000 users in turn; the report is bench/http/report.lua's JSON line.
dofile("bench/http/report.lua")
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local n = 0
request = function()
  n = n + 1
  -- iv: 12 bytes, ct: 16 bytes + 16-byte tag (base64url); the open fails its tag check
  -- (the peer's key is random per process) after doing all of the work.
  local body = string.format(
    '{"user":%d,"iv":"AAAAAAAAAAAAAAAA","ct":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","totpu":"123456"}',
    n % 1000 + 1)
  return wrk.format(nil, "/bench/validate", nil, body)
end
