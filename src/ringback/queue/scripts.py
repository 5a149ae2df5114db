"""The queue engine's Lua scripts: one atomic script per operation.

Queue scripts receive the keys named in ``KEYS_OF`` (all under the queue's
hash tag); agent scripts receive the agent's one key.  No
script builds a key or touches two hash tags.  Entries live as compact JSON
in one hash per queue; the ``wait`` zset orders them by
``score = (99 - priority) * 1e13 + enqueued_at_ms`` and, on equal scores, by
entry id, whose length prefix (``a1``, ``a2`` ... ``b10``) makes string order
follow the per-queue sequence.
"""

from __future__ import annotations

EVENTS_MAXLEN = 10_000

QUEUE_KEY_NAMES = (
    "cfg",
    "meta",
    "entries",
    "wait",
    "ready",
    "sids",
    "callbacks",
    "offers",
    "available",
    "staff",
    "versions",
    "events",
)

# Which of a queue's keys each queue script receives, in KEYS order.
KEYS_OF: dict[str, tuple[str, ...]] = {}


def _queue_script(name: str, keys: tuple[str, ...], argv_doc: str, body: str) -> str:
    """Header (KEYS then ARGV), the key locals and helpers, then the body."""
    KEYS_OF[name] = keys
    header = (
        "-- "
        + ", ".join(f"KEYS[{i}] {k}" for i, k in enumerate(keys, 1))
        + " (the queue's keys, see QueueKeys)\n"
    )
    index = {k: i for i, k in enumerate(keys, 1)}
    binds = "\n".join(
        f"local K_{k.upper()} = " + (f"KEYS[{index[k]}]" if k in index else "nil")
        for k in QUEUE_KEY_NAMES
    )
    return header + argv_doc + binds + _QUEUE_LIB + body


_QUEUE_LIB = (
    """
local MAXLEN = '"""
    + str(EVENTS_MAXLEN)
    + """'

local function load(eid)
  local raw = redis.call('HGET', K_ENTRIES, eid)
  if not raw then return nil, nil end
  return cjson.decode(raw), raw
end

local function save(eid, e)
  local raw = cjson.encode(e)
  redis.call('HSET', K_ENTRIES, eid, raw)
  return raw
end

local function score(e)
  return string.format('%.0f', (99 - tonumber(e.p)) * 1e13 + math.floor(tonumber(e.t) * 1000))
end

local function rank(eid)
  local r = redis.call('ZRANK', K_WAIT, eid)
  if r then return r + 1 end
  return 0
end

local function waited(e, now)
  return string.format('%.3f', tonumber(now) - tonumber(e.t))
end

local function cfg(name, default)
  return redis.call('HGET', K_CFG, name) or default
end

local function emit(etype, eid, e, now, ...)
  redis.call('XADD', K_EVENTS, 'MAXLEN', '~', MAXLEN, '*', 'type', etype, 'e', eid, 'k', e.k,
    't', now, ...)
end

local function listhas(list, x)
  if not list or list == '' then return false end
  return string.find(',' .. list .. ',', ',' .. x .. ',', 1, true) ~= nil
end

local function listadd(list, x)
  if listhas(list, x) then return list end
  if not list or list == '' then return x end
  return list .. ',' .. x
end

local function forget(eid, e)
  -- An accepted entry is already out of the zsets.
  if e.s ~= 'a' then
    redis.call('ZREM', K_WAIT, eid)
    if e.s == 'o' then redis.call('ZREM', K_OFFERS, eid) else redis.call('ZREM', K_READY, eid) end
  end
  redis.call('HDEL', K_ENTRIES, eid)
  -- While an entry exists the sid and callback indexes point at it (join and convert
  -- never add a second entry for the same call or number).
  if e.sid then redis.call('HDEL', K_SIDS, e.sid) end
  if e.k == 'c' then redis.call('HDEL', K_CALLBACKS, e.cb) end
end

local function readd(agent, idle)
  if redis.call('SISMEMBER', K_STAFF, agent) == 1 then
    redis.call('ZADD', K_AVAILABLE, idle, agent)
  end
end
"""
)

JOIN = _queue_script(
    "JOIN",
    ("cfg", "meta", "entries", "wait", "ready", "sids", "callbacks", "events"),
    """\
-- ARGV[1] now, ARGV[2] kind code (l|c), ARGV[3] call sid, ARGV[4] caller,
-- ARGV[5] callback number, ARGV[6] language, ARGV[7] intent, ARGV[8] number dialled,
-- ARGV[9] priority ('' = the queue's rule for the intent), ARGV[10] default max size
-- Returns {'new'|'existing', id, json, position} or {'full', max_size}.
""",
    """
local now, kind, sid, cbn, intent = ARGV[1], ARGV[2], ARGV[3], ARGV[5], ARGV[7]
if sid ~= '' then
  local eid = redis.call('HGET', K_SIDS, sid)
  if eid then
    local raw = redis.call('HGET', K_ENTRIES, eid)
    if raw then return {'existing', eid, raw, rank(eid)} end
  end
end
if kind == 'c' then
  local eid = redis.call('HGET', K_CALLBACKS, cbn)
  if eid then
    local raw = redis.call('HGET', K_ENTRIES, eid)
    if raw then return {'existing', eid, raw, rank(eid)} end
  end
end
local c = redis.call('HMGET', K_CFG, 'max_size', 'p:' .. intent)
local max = tonumber(c[1] or ARGV[10])
if redis.call('ZCARD', K_WAIT) >= max then return {'full', tostring(max)} end
local p = ARGV[9]
if p == '' then p = c[2] or '0' end
local n = redis.call('HINCRBY', K_META, 'seq', 1)
local digits = ''
repeat
  local d = n % 36
  digits = string.sub('0123456789abcdefghijklmnopqrstuvwxyz', d + 1, d + 1) .. digits
  n = math.floor(n / 36)
until n == 0
local eid = string.char(96 + #digits) .. digits
local e = {k = kind, t = now, p = tonumber(p), s = 'w'}
if sid ~= '' then e.sid = sid end
if ARGV[4] ~= '' then e.fr = ARGV[4] end
if kind == 'c' then e.cb = cbn; e.rt = now end
if ARGV[6] ~= '' then e.lg = ARGV[6] end
if intent ~= 'general' then e['in'] = intent end
if ARGV[8] ~= '' then e.to = ARGV[8] end
local raw = save(eid, e)
local sc = score(e)
redis.call('ZADD', K_WAIT, sc, eid)
redis.call('ZADD', K_READY, sc, eid)
if sid ~= '' then redis.call('HSET', K_SIDS, sid, eid) end
if kind == 'c' then redis.call('HSET', K_CALLBACKS, cbn, eid) end
local pos = rank(eid)
emit('joined', eid, e, now, 'pos', pos, 'wait', '0')
return {'new', eid, raw, pos}
""",
)

CONVERT = _queue_script(
    "CONVERT",
    ("entries", "wait", "ready", "sids", "callbacks", "offers", "events"),
    """\
-- ARGV[1] now, ARGV[2] entry id, ARGV[3] callback number
-- Returns {'converted'|'same', id, json, position}, {'merged', kept id, json, position,
-- agent whose offer of the dropped entry is void or ''}, {'accepted', json} or {'gone'}.
""",
    """
local now, eid, number = ARGV[1], ARGV[2], ARGV[3]
local e, raw = load(eid)
if not e then return {'gone'} end
if e.s == 'a' then return {'accepted', raw} end
if e.k == 'c' and e.cb == number then return {'same', eid, raw, rank(eid)} end
local other = redis.call('HGET', K_CALLBACKS, number)
if other and other ~= eid then
  local o, oraw = load(other)
  if o then
    -- Keep the entry an agent already has; else the one ahead in the queue.
    local keep_other
    if o.s ~= 'w' then keep_other = true
    elseif e.s ~= 'w' then keep_other = false
    else keep_other = rank(other) < rank(eid) end
    if keep_other then
      emit('removed', eid, e, now, 'pos', rank(eid), 'wait', waited(e, now),
        'reason', 'duplicate_callback', 'agent', e.oa or '')
      forget(eid, e)
      return {'merged', other, oraw, rank(other), e.oa or ''}
    end
    emit('removed', other, o, now, 'pos', rank(other), 'wait', waited(o, now),
      'reason', 'duplicate_callback')
    forget(other, o)
  end
end
if e.k == 'c' and redis.call('HGET', K_CALLBACKS, e.cb) == eid then
  redis.call('HDEL', K_CALLBACKS, e.cb)
end
e.k = 'c'
e.cb = number
if not e.rt then e.rt = now end
raw = save(eid, e)
redis.call('HSET', K_CALLBACKS, number, eid)
local pos = rank(eid)
emit('converted', eid, e, now, 'pos', pos, 'wait', waited(e, now))
return {'converted', eid, raw, pos}
""",
)

DROP = _queue_script(
    "DROP",
    ("entries", "wait", "ready", "sids", "callbacks", "offers", "events"),
    """\
-- ARGV[1] now, ARGV[2] entry id, ARGV[3] event type (abandoned|expired|removed),
-- ARGV[4] reason, ARGV[5] '1' to drop an accepted entry too
-- Returns {'ok', json, position, agent holding it or ''}, {'accepted', json} or {'gone'}.
""",
    """
local now, eid = ARGV[1], ARGV[2]
local e, raw = load(eid)
if not e then return {'gone'} end
if e.s == 'a' and ARGV[5] ~= '1' then return {'accepted', raw} end
local pos = rank(eid)
local agent = e.oa or e.aa or ''
emit(ARGV[3], eid, e, now, 'pos', pos, 'wait', waited(e, now), 'agent', agent,
  'reason', ARGV[4])
forget(eid, e)
return {'ok', raw, pos, agent}
""",
)

RESERVE = _queue_script(
    "RESERVE",
    ("cfg", "entries", "wait", "ready", "offers", "available", "staff", "events"),
    """\
-- ARGV[1] now, ARGV[2] default offer timeout, ARGV[3] entries to scan, ARGV[4] agents to scan
-- Pairs the first offerable entry with the longest-idle available agent that has not
-- declined it, marks it offered and takes the agent off the available list.
-- Returns {'ok', id, agent, deadline, json} or {'no_agent'|'empty'|'none'}.
""",
    """
local now = ARGV[1]
-- Most offers go to the first agent and the first entry: read a few, then more if needed.
local agents = redis.call('ZRANGE', K_AVAILABLE, 0, 3, 'WITHSCORES')
if #agents == 0 then return {'no_agent'} end
local more_agents = #agents == 8
local ids = redis.call('ZRANGE', K_READY, 0, 0)
if #ids == 0 then return {'empty'} end
local staff = nil
local i = 1
while ids[i] do
  local eid = ids[i]
  local e = load(eid)
  local pick, idle = nil, nil
  if e.dx and more_agents then
    agents = redis.call('ZRANGE', K_AVAILABLE, 0, tonumber(ARGV[4]) - 1, 'WITHSCORES')
    more_agents = false
  end
  for j = 1, #agents, 2 do
    if not listhas(e.dx, agents[j]) then
      pick, idle = agents[j], agents[j + 1]
      break
    end
  end
  if not pick then
    -- Every available agent declined it: start a new round once no logged-in
    -- member of the queue is left who has not seen it.
    if not staff then staff = redis.call('SMEMBERS', K_STAFF) end
    local others = false
    for _, m in ipairs(staff) do
      if not listhas(e.dx, m) then others = true; break end
    end
    if not others then
      e.dx = nil
      pick, idle = agents[1], agents[2]
    end
  end
  if pick then
    local deadline = string.format('%.3f',
      tonumber(now) + tonumber(cfg('offer_timeout', ARGV[2])))
    e.s = 'o'
    e.oa = pick
    e.od = deadline
    e.ois = idle
    local raw = save(eid, e)
    redis.call('ZREM', K_READY, eid)
    redis.call('ZADD', K_OFFERS, deadline, eid)
    redis.call('ZREM', K_AVAILABLE, pick)
    emit('offered', eid, e, now, 'pos', rank(eid), 'wait', waited(e, now), 'agent', pick)
    return {'ok', eid, pick, deadline, raw}
  end
  if i == 1 then ids = redis.call('ZRANGE', K_READY, 0, tonumber(ARGV[3]) - 1) end
  i = i + 1
end
return {'none'}
""",
)

WITHDRAW = _queue_script(
    "WITHDRAW",
    ("entries", "wait", "ready", "offers", "events"),
    """\
-- ARGV[1] now, ARGV[2] entry id, ARGV[3] agent, ARGV[4] reason, ARGV[5] from state (o|a)
-- Undoes an offer (o) or an acceptance (a) the agent side refused; the entry goes
-- back to its place. Returns 1, or 0 when the entry is no longer held by that agent.
""",
    """
local now, eid, agent = ARGV[1], ARGV[2], ARGV[3]
local e = load(eid)
if not e or e.s ~= ARGV[5] or (e.oa or e.aa) ~= agent then return 0 end
e.s = 'w'
e.oa = nil
e.od = nil
e.ois = nil
e.aa = nil
e.at = nil
save(eid, e)
local sc = score(e)
redis.call('ZADD', K_WAIT, sc, eid)
redis.call('ZADD', K_READY, sc, eid)
redis.call('ZREM', K_OFFERS, eid)
emit('withdrawn', eid, e, now, 'pos', rank(eid), 'wait', waited(e, now), 'agent', agent,
  'reason', ARGV[4])
return 1
""",
)

ACCEPT = _queue_script(
    "ACCEPT",
    ("entries", "wait", "ready", "offers", "available", "events"),
    """\
-- ARGV[1] now, ARGV[2] entry id, ARGV[3] agent
-- The single point where an entry gets its one agent: only a waiting entry, or one
-- offered to this agent, can be accepted.
-- Returns {'ok'|'already'|'taken'|'offered_elsewhere', json} or {'gone'}.
""",
    """
local now, eid, agent = ARGV[1], ARGV[2], ARGV[3]
local e, raw = load(eid)
if not e then return {'gone'} end
if e.s == 'a' then
  if e.aa == agent then return {'already', raw} end
  return {'taken', raw}
end
if e.s == 'o' and e.oa ~= agent then return {'offered_elsewhere', raw} end
local pos = rank(eid)
if e.s == 'o' then
  -- Routing took the agent off the available list when it made the offer.
  redis.call('ZREM', K_OFFERS, eid)
else
  redis.call('ZREM', K_READY, eid)
  redis.call('ZREM', K_AVAILABLE, agent)
end
redis.call('ZREM', K_WAIT, eid)
e.s = 'a'
e.aa = agent
e.at = now
e.oa = nil
e.od = nil
e.ois = nil
raw = save(eid, e)
emit('accepted', eid, e, now, 'pos', pos, 'wait', waited(e, now), 'agent', agent)
return {'ok', raw}
""",
)

DECLINE = _queue_script(
    "DECLINE",
    ("entries", "wait", "ready", "offers", "available", "staff", "events"),
    """\
-- ARGV[1] now, ARGV[2] entry id, ARGV[3] agent, ARGV[4] mode (decline|timeout)
-- The entry goes back to its place and remembers the agent; the agent goes back on
-- the available list (keeping its idle time on decline, at the end on timeout).
-- Returns {'ok', json, '1' if it was offered to the agent}, {'not_due'|'state', json}
-- or {'gone'}.
""",
    """
local now, eid, agent, mode = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local e, raw = load(eid)
if not e then return {'gone'} end
if e.s == 'o' and e.oa == agent then
  if mode == 'timeout' and tonumber(now) < tonumber(e.od) then return {'not_due', raw} end
  local idle = e.ois
  if mode == 'timeout' then idle = now end
  e.s = 'w'
  e.oa = nil
  e.od = nil
  e.ois = nil
  e.dx = listadd(e.dx, agent)
  raw = save(eid, e)
  redis.call('ZADD', K_READY, score(e), eid)
  redis.call('ZREM', K_OFFERS, eid)
  readd(agent, idle)
  local etype = 'declined'
  if mode == 'timeout' then etype = 'offer_timed_out' end
  emit(etype, eid, e, now, 'pos', rank(eid), 'wait', waited(e, now), 'agent', agent)
  return {'ok', raw, '1'}
end
if e.s == 'w' and mode == 'decline' then
  e.dx = listadd(e.dx, agent)
  raw = save(eid, e)
  emit('declined', eid, e, now, 'pos', rank(eid), 'wait', waited(e, now), 'agent', agent)
  return {'ok', raw, '0'}
end
return {'state', raw}
""",
)

COMPLETE = _queue_script(
    "COMPLETE",
    QUEUE_KEY_NAMES[:9] + ("staff", "events"),
    """\
-- ARGV[1] now, ARGV[2] entry id, ARGV[3] agent, ARGV[4] handle seconds,
-- ARGV[5] wrap-up seconds the agent side applied, ARGV[6] default wrap-up seconds,
-- ARGV[7] weight of the newest handle time in the moving average
-- Returns {'ok', json, the queue's wrap-up seconds}, {'state', json} or {'gone'}.
""",
    """
local now, eid, agent = ARGV[1], ARGV[2], ARGV[3]
local e, raw = load(eid)
if not e then return {'gone'} end
if e.s ~= 'a' or e.aa ~= agent then return {'state', raw} end
emit('completed', eid, e, now, 'wait', string.format('%.3f', tonumber(e.at) - tonumber(e.t)),
  'agent', agent, 'handle', ARGV[4])
forget(eid, e)
local h = tonumber(ARGV[4])
local m = redis.call('HMGET', K_META, 'aht', 'handled')
local aht = h
if m[1] then aht = tonumber(m[1]) + tonumber(ARGV[7]) * (h - tonumber(m[1])) end
redis.call('HSET', K_META, 'aht', string.format('%.3f', aht), 'handled',
  tonumber(m[2] or '0') + 1)
if tonumber(ARGV[5]) == 0 then readd(agent, now) end
return {'ok', raw, cfg('wrap_up', ARGV[6])}
""",
)

SYNC_AGENT = _queue_script(
    "SYNC_AGENT",
    ("available", "staff", "versions"),
    """\
-- ARGV[1] agent, ARGV[2] presence version, ARGV[3] state, ARGV[4] idle since,
-- ARGV[5] '1' if a member of this queue
-- Mirrors an agent's presence into the queue; an older version never overwrites a newer.
-- Returns 1 if applied.
""",
    """
local agent, v = ARGV[1], tonumber(ARGV[2])
local cur = tonumber(redis.call('HGET', K_VERSIONS, agent) or '-1')
if v <= cur then return 0 end
redis.call('HSET', K_VERSIONS, agent, ARGV[2])
if ARGV[5] == '1' and ARGV[3] ~= 'logged_out' then
  redis.call('SADD', K_STAFF, agent)
else
  redis.call('SREM', K_STAFF, agent)
end
if ARGV[5] == '1' and ARGV[3] == 'available' then
  redis.call('ZADD', K_AVAILABLE, ARGV[4], agent)
else
  redis.call('ZREM', K_AVAILABLE, agent)
end
return 1
""",
)

PAGE = _queue_script(
    "PAGE",
    ("entries", "wait"),
    """\
-- ARGV[1] offset, ARGV[2] limit
-- Returns {id, json, id, json, ...} in queue order.
""",
    """
local first = tonumber(ARGV[1])
local ids = redis.call('ZRANGE', K_WAIT, first, first + tonumber(ARGV[2]) - 1)
local out = {}
for _, eid in ipairs(ids) do
  out[#out + 1] = eid
  out[#out + 1] = redis.call('HGET', K_ENTRIES, eid)
end
return out
""",
)

ESTIMATE = _queue_script(
    "ESTIMATE",
    ("meta", "wait", "available", "staff"),
    """\
-- ARGV[1] entry id
-- Returns {position or 0, available agents, logged-in agents, average handle or ''}.
""",
    """
return {rank(ARGV[1]), redis.call('ZCARD', K_AVAILABLE), redis.call('SCARD', K_STAFF),
  redis.call('HGET', K_META, 'aht') or ''}
""",
)

_AGENT_KEYS = """\
-- KEYS[1] the agent's presence hash
"""

_AGENT_LIB = """
local K = KEYS[1]
local function listhas(list, x)
  if not list or list == '' then return false end
  return string.find(',' .. list .. ',', ',' .. x .. ',', 1, true) ~= nil
end
-- One read of the whole small hash: s state, q queues, i idle since, v version,
-- cq/ce queue and entry held, d offer deadline, w wrap-up until.
local h = redis.call('HMGET', K, 's', 'q', 'i', 'v', 'cq', 'ce', 'd', 'w')
local a = {s = h[1] or 'logged_out', q = h[2] or '', i = h[3] or '', v = tonumber(h[4] or '0'),
  cq = h[5] or '', ce = h[6] or '', d = h[7] or '', w = h[8] or ''}
local function put(...)
  -- Writes the given fields and the next version in one command; returns the version.
  a.v = a.v + 1
  redis.call('HSET', K, 'v', a.v, ...)
  return tostring(a.v)
end
"""

AGENT_SET = (
    _AGENT_KEYS
    + """\
-- ARGV[1] state (logged_out|available), ARGV[2] member queues (comma list),
-- ARGV[3] '1' to replace the member queues, ARGV[4] now
-- Returns {'ok', version, previous state, idle since, old queues, new queues,
-- queue and entry of a dropped offer} or {'conflict', state}.
"""
    + _AGENT_LIB
    + """
local want = ARGV[1]
if a.s == 'busy' or (a.s == 'offered' and want ~= 'logged_out') then
  return {'conflict', a.s}
end
local q = a.q
if ARGV[3] == '1' then q = ARGV[2] end
local i = a.i
if want == 'available' and a.s ~= 'available' then i = ARGV[4] end
local v = put('s', want, 'q', q, 'i', i, 'cq', '', 'ce', '', 'd', '', 'w', '')
return {'ok', v, a.s, i, a.q, q, a.cq, a.ce}
"""
)

AGENT_CLAIM = (
    _AGENT_KEYS
    + """\
-- ARGV[1] queue, ARGV[2] entry id, ARGV[3] offer deadline
-- Compare-and-set available -> offered: an agent never holds two offers.
-- Returns {'ok', version, queues} or {'refused', state}.
"""
    + _AGENT_LIB
    + """
if a.s ~= 'available' then return {'refused', a.s} end
if not listhas(a.q, ARGV[1]) then return {'refused', 'not_member'} end
return {'ok', put('s', 'offered', 'cq', ARGV[1], 'ce', ARGV[2], 'd', ARGV[3]), a.q}
"""
)

AGENT_TAKE = (
    _AGENT_KEYS
    + """\
-- ARGV[1] queue, ARGV[2] entry id
-- available (member of the queue) or offered this entry -> busy with it.
-- Returns {'ok', version, previous state, queues} or {'refused', state}.
"""
    + _AGENT_LIB
    + """
local mine = a.cq == ARGV[1] and a.ce == ARGV[2]
if a.s == 'busy' and mine then return {'ok', tostring(a.v), a.s, a.q} end
if a.s == 'available' then
  if not listhas(a.q, ARGV[1]) then return {'refused', 'not_member'} end
elseif not (a.s == 'offered' and mine) then
  return {'refused', a.s}
end
return {'ok', put('s', 'busy', 'cq', ARGV[1], 'ce', ARGV[2], 'd', ''), a.s, a.q}
"""
)

AGENT_RELEASE = (
    _AGENT_KEYS
    + """\
-- ARGV[1] queue, ARGV[2] entry id, ARGV[3] now, ARGV[4] mode: keep (idle time kept),
-- now (idle from now), decline (only an offer; idle kept), timeout (only an offer
-- whose deadline passed; idle from now)
-- offered (or, for keep and now, busy) with this entry -> available.
-- Returns {'ok', version, idle since, queues}, {'not_due'} or {'state', state}.
"""
    + _AGENT_LIB
    + """
local mode = ARGV[4]
if (a.s ~= 'offered' and a.s ~= 'busy') or a.cq ~= ARGV[1] or a.ce ~= ARGV[2] then
  return {'state', a.s}
end
if (mode == 'decline' or mode == 'timeout') and a.s ~= 'offered' then return {'state', a.s} end
if mode == 'timeout' and tonumber(ARGV[3]) < tonumber(a.d) then return {'not_due'} end
local i = a.i
if mode == 'now' or mode == 'timeout' then i = ARGV[3] end
return {'ok', put('s', 'available', 'i', i, 'cq', '', 'ce', '', 'd', ''), i, a.q}
"""
)

AGENT_DONE = (
    _AGENT_KEYS
    + """\
-- ARGV[1] queue, ARGV[2] entry id, ARGV[3] now, ARGV[4] wrap-up seconds
-- busy with this entry -> wrap_up until now + wrap-up seconds (or available when 0).
-- Returns {'ok', version, new state, idle since, queues} or {'state', state}.
"""
    + _AGENT_LIB
    + """
if a.s ~= 'busy' or a.cq ~= ARGV[1] or a.ce ~= ARGV[2] then return {'state', a.s} end
local wrap = tonumber(ARGV[4])
if wrap > 0 then
  local w = string.format('%.3f', tonumber(ARGV[3]) + wrap)
  return {'ok', put('s', 'wrap_up', 'w', w, 'cq', '', 'ce', ''), 'wrap_up', a.i, a.q}
end
return {'ok', put('s', 'available', 'i', ARGV[3], 'cq', '', 'ce', ''), 'available', ARGV[3], a.q}
"""
)

AGENT_END_WRAP = (
    _AGENT_KEYS
    + """\
-- ARGV[1] now, ARGV[2] '1' to end it only when the wrap-up time has passed
-- wrap_up -> available, idle from now.
-- Returns {'ok', version, idle since, queues}, {'not_due'} or {'state', state}.
"""
    + _AGENT_LIB
    + """
if a.s ~= 'wrap_up' then return {'state', a.s} end
if ARGV[2] == '1' and tonumber(ARGV[1]) < tonumber(a.w) then return {'not_due'} end
return {'ok', put('s', 'available', 'i', ARGV[1], 'w', ''), ARGV[1], a.q}
"""
)

ALL = {
    "JOIN": JOIN,
    "CONVERT": CONVERT,
    "DROP": DROP,
    "RESERVE": RESERVE,
    "WITHDRAW": WITHDRAW,
    "ACCEPT": ACCEPT,
    "DECLINE": DECLINE,
    "COMPLETE": COMPLETE,
    "SYNC_AGENT": SYNC_AGENT,
    "PAGE": PAGE,
    "ESTIMATE": ESTIMATE,
    "AGENT_SET": AGENT_SET,
    "AGENT_CLAIM": AGENT_CLAIM,
    "AGENT_TAKE": AGENT_TAKE,
    "AGENT_RELEASE": AGENT_RELEASE,
    "AGENT_DONE": AGENT_DONE,
    "AGENT_END_WRAP": AGENT_END_WRAP,
}
