-- An open-loop arrival rate for wrk: each connection waits an exponentially
-- distributed gap (mean given in ms as the script's argument) before each request, so
-- the connections' requests arrive as a Poisson stream of about conns × 1000 / mean
-- per second instead of in step (hey's -q fires every worker on the same tick, which
-- measures the burst, not the page).
local n = 0
function setup(thread)
  n = n + 1
  thread:set("id", n)
end

local mean = 64
function init(args)
  mean = tonumber(args[1]) or mean
  math.randomseed(os.time() * 1000 + (id or 0) * 7919)
end

function delay()
  return -math.log(1 - math.random()) * mean
end
