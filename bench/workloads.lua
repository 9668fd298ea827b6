-- wrk workloads of bench/run.sh, the same keys and sizes against kvnode, webdis and etcd's JSON
-- gateway: wrk -s bench/workloads.lua URL -- TARGET WORKLOAD [KEY_COUNT]
-- TARGET: kvnode | kvnode-stale (get only) | webdis | etcd. WORKLOAD: get | miss | put16 | put4k | mixed | list | load
-- (load writes the keys in turn, over and over). KEY_COUNT keys exist before get, mixed and list.

local alnum = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
local value16 = "0123456789abcdef"
local value4k = string.rep(value16, 256)

-- Keys start with one of 62 characters, so that they spread over the partitions' key ranges;
-- each starting character followed by "key" is a prefix shared by KEY_COUNT / 62 keys.
local function key_of(i, word)
  local c = i % 62 + 1
  return alnum:sub(c, c) .. word .. i
end

local b64chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
local function base64(s)
  local out = {}
  for i = 1, #s, 3 do
    local a, b, c = s:byte(i, i + 2)
    local n = a * 65536 + (b or 0) * 256 + (c or 0)
    for j = 3, 0, -1 do
      local d = math.floor(n / 64 ^ j) % 64
      out[#out + 1] = b64chars:sub(d + 1, d + 1)
    end
    if not b then out[#out - 1], out[#out] = "=", "=" elseif not c then out[#out] = "=" end
  end
  return table.concat(out)
end

local formats = {
  kvnode = {
    get = function(key) return wrk.format("GET", "/v1/keys/" .. key) end,
    put = function(key, value) return wrk.format("PUT", "/v1/keys/" .. key, nil, value) end,
    list = function(prefix)
      return wrk.format("GET", "/v1/keys?prefix=" .. prefix .. "&limit=100")
    end,
  },
  -- A cluster member's local copy (contract section 11): the read without the raft barrier.
  ["kvnode-stale"] = {
    get = function(key) return wrk.format("GET", "/v1/keys/" .. key .. "?consistency=stale") end,
  },
  -- Webdis takes the command in the URL; a PUT body becomes the command's last argument.
  webdis = {
    get = function(key) return wrk.format("GET", "/GET/" .. key) end,
    put = function(key, value)
      if #value > 64 then return wrk.format("PUT", "/SET/" .. key, nil, value) end
      return wrk.format("GET", "/SET/" .. key .. "/" .. value)
    end,
  },
  -- etcd 3.4's gateway: JSON bodies with base64 keys and values; a prefix is a range up to the
  -- prefix with its last byte incremented.
  etcd = {
    get = function(key)
      return wrk.format("POST", "/v3/kv/range", nil, '{"key":"' .. base64(key) .. '"}')
    end,
    put = function(key, value)
      return wrk.format("POST", "/v3/kv/put", nil,
                        '{"key":"' .. base64(key) .. '","value":"' .. base64(value) .. '"}')
    end,
    list = function(prefix)
      local range_end = prefix:sub(1, -2) .. string.char(prefix:byte(-1) + 1)
      return wrk.format("POST", "/v3/kv/range", nil,
                        '{"key":"' .. base64(prefix) .. '","range_end":"' .. base64(range_end) ..
                          '","limit":100}')
    end,
  },
}

local thread_count = 0
function setup(thread)
  thread_count = thread_count + 1
  thread:set("thread_id", thread_count)
end

local target, workload, key_count, format
local loaded = 0

function init(args)
  target, workload, key_count = args[1], args[2], tonumber(args[3] or "10000")
  -- load: the key to start from, so that a run can go on where an earlier one stopped.
  loaded = tonumber(args[4] or "0")
  format = formats[target]
  if not format or not workload then
    error("usage: -- kvnode|webdis|etcd get|miss|put16|put4k|mixed|list|load [KEY_COUNT]")
  end
  if workload == "list" and not format.list then error(target .. " has no prefix listing") end
  math.randomseed(thread_id or 1)
  wrk.headers["Content-Type"] = target == "etcd" and "application/json" or nil
end

local function random_key(word)
  return key_of(math.random(0, key_count - 1), word)
end

function request()
  if workload == "get" then return format.get(random_key("key")) end
  if workload == "miss" then return format.get(random_key("miss")) end
  if workload == "put16" then return format.put(random_key("key"), value16) end
  -- Keys of their own, so that the reads of later runs still find 16-byte values.
  if workload == "put4k" then return format.put(random_key("big"), value4k) end
  if workload == "list" then
    local c = math.random(1, 62)
    return format.list(alnum:sub(c, c) .. "key")
  end
  if workload == "mixed" then
    if math.random(1, 10) == 1 then return format.put(random_key("key"), value16) end
    return format.get(random_key("key"))
  end
  -- wrk cannot stop after a number of requests, so the load goes round until the run ends.
  if workload == "load" then
    loaded = loaded + 1
    return format.put(key_of(loaded % key_count, "key"), value16)
  end
  error("unknown workload " .. tostring(workload))
end
