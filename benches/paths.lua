-- wrk request list shared by benches/load.sh and benches/martin.sh: deterministic
-- pseudo-random positions over metropolitan France, so that every run and every server sees
-- the same requests.
--   ROUTE=nearby       1,000 /api/nearby origins, k=20
--   ROUTE=initiatives  1,000 /api/initiatives bbox pages of 100 (0.5 x 0.4 degree boxes)
--   ROUTE=tiles        2,000 distinct tiles z6-z14; TILE_PATH is their path as a format of
--                      z, x, y (default "/tiles/%d/%d/%d.mvt", ours)
-- Every request says Accept-Encoding: gzip, as a browser does.
local kind = os.getenv("ROUTE")
local tile_path = os.getenv("TILE_PATH") or "/tiles/%d/%d/%d.mvt"
local seed = 12345
local function rnd()
  seed = (seed * 1103515245 + 12345) % 2147483648
  return seed / 2147483648
end

local function tile(lon, lat)
  local z = 6 + math.floor(rnd() * 9)
  local scale = 2 ^ z
  local x = math.floor((lon + 180) / 360 * scale)
  local r = math.rad(lat)
  local y = math.floor((1 - math.log(math.tan(r) + 1 / math.cos(r)) / math.pi) / 2 * scale)
  return string.format(tile_path, z, x, y)
end

local n = kind == "tiles" and 2000 or 1000
local paths, seen = {}, {}
while #paths < n do
  local lon, lat = -4.5 + rnd() * 12.0, 42.5 + rnd() * 8.5
  local path
  if kind == "nearby" then
    path = string.format("/api/nearby?lon=%.5f&lat=%.5f&limit=20", lon, lat)
  elseif kind == "tiles" then
    path = tile(lon, lat)
  else
    path = string.format("/api/initiatives?bbox=%.4f,%.4f,%.4f,%.4f&limit=100", lon, lat, lon + 0.5, lat + 0.4)
  end
  if not seen[path] then
    seen[path] = true
    paths[#paths + 1] = path
  end
end

local j = 0
request = function()
  j = j % #paths + 1
  return wrk.format("GET", paths[j], { ["Accept-Encoding"] = "gzip" })
end
