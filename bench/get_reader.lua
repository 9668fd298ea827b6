-- wrk script: GET one of READER_KEYS keys reader-0.. in turn (bench/expiry.sh writes them).
local keys = tonumber(os.getenv("READER_KEYS") or "1000")
local counter = 0

request = function()
  counter = counter + 1
  return wrk.format("GET", "/v1/keys/reader-" .. (counter % keys))
end
