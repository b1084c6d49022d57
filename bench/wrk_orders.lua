-- wrk script for bench/checkout_load.py: each wrk thread is one API integration (its own
-- bearer token and customer, read from the file named in BENCH_BUYERS) placing one new
-- order per request, each with a fresh Idempotency-Key. With BENCH_BODY unset it posts an
-- empty body (the bare endpoint). done() prints one machine-readable line for the script.

local buyers, next_buyer = {}, 1
local threads = {}

local function read_buyers()
  local path = os.getenv("BENCH_BUYERS")
  if not path then return end
  for line in io.lines(path) do
    local token, customer = line:match("^(%S+)%s+(%d+)$")
    if token then buyers[#buyers + 1] = {token = token, customer = customer} end
  end
end

function setup(thread)
  if #buyers == 0 then read_buyers() end
  thread:set("id", next_buyer)
  if #buyers > 0 then
    local buyer = buyers[(next_buyer - 1) % #buyers + 1]
    thread:set("token", buyer.token)
    thread:set("customer", buyer.customer)
  end
  threads[#threads + 1] = thread
  next_buyer = next_buyer + 1
end

local counter = 0

function init(args)
  math.randomseed(os.time() * 1000 + id)
  wrk.method = "POST"
  if token then
    wrk.headers["Authorization"] = "Bearer " .. token
    wrk.headers["Content-Type"] = "application/json"
    wrk.body = '{"customer_id": ' .. customer .. ', "lines": [{"price_id": '
      .. os.getenv("BENCH_PRICE") .. ', "quantity": 1}]}'
  end
end

function request()
  if token then
    -- A UUID-shaped key no other request of this run shares: thread id, counter, random.
    counter = counter + 1
    wrk.headers["Idempotency-Key"] = string.format("%08x-%04x-4000-8000-%012x",
      math.random(0, 0x7fffffff), id, counter)
  end
  return wrk.format()
end

created = 0

-- Counts 201 Created: a 200 would be a replayed order, which must not pass for a new one.
function response(status, headers, body)
  if status == 201 then created = created + 1 end
end

function done(summary, latency, requests)
  local errors, total_created = summary.errors, 0
  for _, thread in ipairs(threads) do total_created = total_created + thread:get("created") end
  io.write(string.format(
    "WRK requests=%d created=%d duration_us=%d p95_us=%d p50_us=%d non2xx=%d connect=%d "
    .. "read=%d write=%d timeout=%d\n",
    summary.requests, total_created, summary.duration, latency:percentile(95),
    latency:percentile(50), errors.status, errors.connect, errors.read, errors.write,
    errors.timeout))
end
