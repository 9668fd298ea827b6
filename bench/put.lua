-- wrk script: PUT a 16-byte value to one of 10000 keys (all in one partition), as the first
-- sections and the persistence section of docs/performance.md measured; run.sh uses workloads.lua.
local counter = 0
local value = "0123456789abcdef"

request = function()
  counter = counter + 1
  return wrk.format("PUT", "/v1/keys/bench-" .. (counter % 10000), nil, value)
end
