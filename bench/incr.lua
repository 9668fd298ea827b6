-- wrk script: POST ?op=incr with no body (+1) to one hot key, or with INCR_KEYS=10000 to one of
-- that many keys (as put.lua does for PUT); docs/performance.md has the numbers it gave.
local counter = 0
local keys = tonumber(os.getenv("INCR_KEYS") or "1")

request = function()
  counter = counter + 1
  return wrk.format("POST", "/v1/keys/incr-" .. (counter % keys) .. "?op=incr")
end
