-- bench/load/queries.lua: the wrk script of bench/run's load section.
--
--   wrk -t T -c C -d D -s queries.lua http://127.0.0.1:PORT -- PATHS_FILE MARKER
--
-- PATHS_FILE holds one request path per line (already URL-encoded, e.g.
-- /search?q=oil%20prices&limit=10); every connection cycles through them, each thread
-- starting at another offset so that threads do not send the same query at the same time.
-- A response counts as an error unless its status is 2xx AND its body contains MARKER (the
-- summary object both servers print last): wrk itself only counts statuses >= 400, and an
-- empty or cut 200 must not look like a fast answer.
-- done() prints one JSON object on a line of its own, starting with {"wrk":, which
-- bench/load/load.py reads: counts, wrk's socket errors, and latency percentiles in
-- microseconds (wrk measures each request from its send to the end of its response; with a
-- fixed number of connections, each waiting for its answer, this is a closed loop).

local threads = {}
local thread_count = 0

function setup(thread)
  thread:set("index", thread_count)
  thread_count = thread_count + 1
  table.insert(threads, thread)
end

local requests = {}
local next_request = 1
local marker = nil
non2xx = 0   -- globals, read by done() through thread:get
bad_body = 0

function init(args)
  local path_file, want = args[1], args[2]
  if path_file == nil or want == nil or want == "" then
    error("usage: wrk ... -s queries.lua URL -- PATHS_FILE MARKER")
  end
  marker = want
  local f = assert(io.open(path_file, "r"))
  for line in f:lines() do
    if line ~= "" then
      -- Formatted once here, not per request: wrk's CPU is shared with the server's.
      table.insert(requests, wrk.format("GET", line))
    end
  end
  f:close()
  if #requests == 0 then
    error(path_file .. ": no request paths")
  end
  next_request = (index * 7) % #requests + 1
end

function request()
  local r = requests[next_request]
  next_request = next_request % #requests + 1
  return r
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
  elseif body == nil or not string.find(body, marker, 1, true) then
    bad_body = bad_body + 1
  end
end

function done(summary, latency, requests_stats)
  local n2, bad = 0, 0
  for _, t in ipairs(threads) do
    n2 = n2 + t:get("non2xx")
    bad = bad + t:get("bad_body")
  end
  local e = summary.errors
  io.write(string.format(
    '\n{"wrk":1,"requests":%d,"duration_us":%d,"bytes":%d,"connect":%d,"read":%d,' ..
    '"write":%d,"status":%d,"timeout":%d,"non2xx":%d,"bad_body":%d,' ..
    '"mean_us":%.1f,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write,
    e.status, e.timeout, n2, bad, latency.mean, latency:percentile(50),
    latency:percentile(90), latency:percentile(99), latency.max))
end
