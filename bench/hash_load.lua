-- wrk script: PUT ?type=hash of a 4-field hash to keys h000000000.. in turn, each wrk thread
-- writing its own share of HASH_KEYS keys and starting over when done (overwrites change
-- nothing), for bench/typed.sh's memory per small hash.
local keys = tonumber(os.getenv("HASH_KEYS") or "1000000")
local body = '{"f1":"value-1","f2":"value-2","f3":"value-3","f4":"value-4"}'
local threads = 0
local first, count, next_key

function setup(thread)
  thread:set("index", threads)
  threads = threads + 1
end

function init(args)
  local share = math.ceil(keys / 2)
  first = index * share
  count = math.min(share, keys - first)
  next_key = 0
end

request = function()
  local key = string.format("h%09d", first + next_key)
  next_key = (next_key + 1) % count
  return wrk.format("PUT", "/v1/keys/" .. key .. "?type=hash", nil, body)
end
