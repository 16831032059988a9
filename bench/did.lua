-- Ask where a call to a random DID goes, as Kamailio does for each carrier INVITE.
-- TENANTS and DIDS give the seeded range (bench/switch_seed.py numbers them
-- +1555 TTTT NNN); PATH_PREFIX is /api/switch/did/ for pbx and /did/ for the floor.
local tenants = tonumber(os.getenv("TENANTS") or "1")
local dids = tonumber(os.getenv("DIDS") or "1")
local prefix = os.getenv("PATH_PREFIX") or "/api/switch/did/"
math.randomseed(os.time())

function request()
  local number = string.format("%%2B1555%04d%03d", math.random(1, tenants), math.random(0, dids - 1))
  return wrk.format("GET", prefix .. "?number=" .. number .. "&caller=%2B15557654321&source=127.0.0.1")
end
