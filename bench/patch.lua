-- PATCH the name of extensions round-robin, to a new value each time (so every request
-- is a real change that the change log records). IDS is a comma-separated id list.
local ids = {}
for id in string.gmatch(os.getenv("IDS") or "", "%d+") do ids[#ids + 1] = id end
local threads = 0
function setup(thread)
  thread:set("tid", threads)
  threads = threads + 1
end

-- wrk.format() replaces the -H headers when given its own: keep them (the API key).
local function headers()
  local all = {["Content-Type"] = "application/json"}
  for name, value in pairs(wrk.headers) do all[name] = value end
  return all
end

local counter = 0
function request()
  counter = counter + 1
  local id = ids[(counter % #ids) + 1]
  local body = '{"name": "Patched ' .. (tid or 0) .. "-" .. counter .. '"}'
  return wrk.format("PATCH", "/api/extensions/" .. id .. "/", headers(), body)
end
