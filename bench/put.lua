-- wrk script: PUT a 16-byte value to one of 10000 keys, each connection walking its own keys.
local counter = 0
local value = "0123456789abcdef"

request = function()
  counter = counter + 1
  return wrk.format("PUT", "/v1/keys/bench-" .. (counter % 10000), nil, value)
end
