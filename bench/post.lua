-- POST one new extension per request; numbers never repeat across threads or runs.
-- RUN (a digit string, per run) and the thread's index make each number unique.
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
  local number = string.format("%s%d%07d", os.getenv("RUN") or "9", tid or 0, counter)
  local body = '{"number": "' .. number .. '", "name": "Bench ' .. number .. '", "password": "bench-password-123"}'
  return wrk.format("POST", nil, headers(), body)
end
