-- wrk script for bench/checkout_load.py: each wrk thread is one API integration (its own
-- bearer token and customer, read from the file named in BENCH_BUYERS) placing one new
-- order per request, each with a fresh Idempotency-Key. With BENCH_BUYERS unset it posts
-- an empty body (the bare endpoint). With BENCH_FIRST (lines "thread customer") each
-- thread orders once for each of its own customers in turn instead: first orders of
-- customers never ordered for; one that runs out counts `exhausted` and reorders for its
-- buyer, which the script refuses. done() prints one machine-readable line for the script.

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
local first, next_first = {}, 1
exhausted = 0

local function order_body(customer_id)
  return '{"customer_id": ' .. customer_id .. ', "lines": [{"price_id": '
    .. os.getenv("BENCH_PRICE") .. ', "quantity": 1}]}'
end

-- This thread's share of the first-order customers, in file order.
local function read_first()
  local path = os.getenv("BENCH_FIRST")
  if not path then return end
  for line in io.lines(path) do
    local thread, customer_id = line:match("^(%d+)%s+(%d+)$")
    if tonumber(thread) == id then first[#first + 1] = customer_id end
  end
end

function init(args)
  math.randomseed(os.time() * 1000 + id)
  wrk.method = "POST"
  if token then
    wrk.headers["Authorization"] = "Bearer " .. token
    wrk.headers["Content-Type"] = "application/json"
    wrk.body = order_body(customer)
    read_first()
  end
end

local function next_body()
  if os.getenv("BENCH_FIRST") == nil then return nil end
  local customer_id = first[next_first]
  if customer_id == nil then
    exhausted = exhausted + 1
    return nil
  end
  next_first = next_first + 1
  return order_body(customer_id)
end

function request()
  if not token then return wrk.format() end
  -- A UUID-shaped key no other request of this run shares: thread id, counter, random.
  counter = counter + 1
  wrk.headers["Idempotency-Key"] = string.format("%08x-%04x-4000-8000-%012x",
    math.random(0, 0x7fffffff), id, counter)
  return wrk.format(nil, nil, nil, next_body())
end

created = 0

-- Counts 201 Created: a 200 would be a replayed order, which must not pass for a new one.
-- Any other answer is written to standard error (status and the start of its body), so a
-- failed run says what the server answered (checkout_load.py prints it).
function response(status, headers, body)
  if status == 201 then
    created = created + 1
  elseif status >= 300 then
    io.stderr:write(string.format("answered %d: %s\n", status, string.sub(body or "", 1, 300)))
  end
end

function done(summary, latency, requests)
  local errors, total_created, total_exhausted = summary.errors, 0, 0
  for _, thread in ipairs(threads) do
    total_created = total_created + thread:get("created")
    total_exhausted = total_exhausted + thread:get("exhausted")
  end
  io.write(string.format(
    "WRK requests=%d created=%d duration_us=%d p95_us=%d p50_us=%d non2xx=%d connect=%d "
    .. "read=%d write=%d timeout=%d exhausted=%d\n",
    summary.requests, total_created, summary.duration, latency:percentile(95),
    latency:percentile(50), errors.status, errors.connect, errors.read, errors.write,
    errors.timeout, total_exhausted))
end
