"""The queue engine's Lua scripts on one queue's keys: one atomic script per operation.

Queue scripts receive the keys named in ``KEYS_OF`` (all under the queue's
hash tag); the agents' state machine is in ``agent_scripts``.  No script
builds a key or touches two hash tags.

A queue's small records share one hash, ``rec``, so that an operation reads
what it needs with one HMGET and writes with one HSET (each ``redis.call``
costs about as much as a short command round trip inside the server):

- ``<entry id>``: an entry as compact JSON (waiting, offered or accepted)
- ``s:<call sid>``, ``c:<callback number>``: entry id (a call joins once; one
  active callback per number)
- ``#max_size``, ``#max_wait``, ``#offer_timeout``, ``#wrap_up``,
  ``#p:<intent>``: settings; ``#aht``, ``#handled``: counters

The ``wait`` zset orders entries by ``score = (99 - priority) * 1e13 +
enqueued_at_ms`` and, on equal scores (the same millisecond), by entry id,
which the caller of JOIN mints time-ordered (``entry_ids``): no script counts
ids, because a counter in Redis repeats after Redis loses its last writes.

Agents are not stored here: an agent's state lives on its own key and changes
only through ``agent_scripts`` (see ``presence``).  Routing scripts change the
entry and the queue's mirror of its agents (``available``, ``staff``); the
service then runs the agent's transition, and undoes the entry's step with
``WITHDRAW`` when the agent's compare-and-set refuses.
"""

from __future__ import annotations

import re

from ringback.queue import agent_scripts

EVENTS_MAXLEN = 10_000

QUEUE_KEY_NAMES = (
    "rec",
    "wait",
    "ready",
    "offers",
    "available",
    "staff",
    "versions",
    "events",
)

# Which of a queue's keys each queue script receives, in KEYS order.
KEYS_OF: dict[str, tuple[str, ...]] = {}

_ROUTING = ("rec", "wait", "ready", "offers", "available", "staff", "events")


def _queue_script(name: str, keys: tuple[str, ...], argv_doc: str, body: str) -> str:
    """Header (KEYS then ARGV), the key locals, the helpers the body uses, the body."""
    KEYS_OF[name] = keys
    header = (
        "-- "
        + ", ".join(f"KEYS[{i}] {k}" for i, k in enumerate(keys, 1))
        + " (the queue's keys, see QueueKeys)\n"
    )
    binds = "\n".join(f"local K_{k.upper()} = KEYS[{i}]" for i, k in enumerate(keys, 1))
    return header + argv_doc + binds + "\n" + _helpers_for(body) + body


def _helpers_for(body: str) -> str:
    """The helper functions ``body`` calls, directly or through other helpers, in order."""
    wanted: set[str] = set()
    pending = [body]
    while pending:
        text = pending.pop()
        for helper, code in _HELPERS.items():
            if helper not in wanted and re.search(rf"\b{helper}\(", text):
                wanted.add(helper)
                pending.append(code)
    return "".join(code for helper, code in _HELPERS.items() if helper in wanted)


# Helper functions, each defined in the scripts that call it (script globals are
# not allowed); a helper may call those defined before it.
_HELPERS: dict[str, str] = {
    "load": """
local function load(eid)
  local raw = redis.call('HGET', K_REC, eid)
  if not raw then return nil, nil end
  return cjson.decode(raw), raw
end
""",
    "score": """
local function score(e)
  return string.format('%.0f', (99 - tonumber(e.p)) * 1e13 + math.floor(tonumber(e.t) * 1000))
end
""",
    "rank": """
local function rank(eid)
  local r = redis.call('ZRANK', K_WAIT, eid)
  if r then return r + 1 end
  return 0
end
""",
    "waited": """
local function waited(e, now)
  return string.format('%.3f', tonumber(now) - tonumber(e.t))
end
""",
    "emit": """
local function emit(etype, eid, e, now, ...)
  redis.call('XADD', K_EVENTS, 'MAXLEN', '~', '"""
    + str(EVENTS_MAXLEN)
    + """', '*', 'type', etype, 'e', eid,
    'k', e.k, 't', now, ...)
end
""",
    "listhas": """
local function listhas(list, x)
  if not list or list == '' then return false end
  return string.find(',' .. list .. ',', ',' .. x .. ',', 1, true) ~= nil
end
""",
    "listadd": """
local function listadd(list, x)
  if listhas(list, x) then return list end
  if not list or list == '' then return x end
  return list .. ',' .. x
end
""",
    "forget": """
-- Takes an entry and its index fields out of the queue.
local function forget(eid, e)
  if e.s ~= 'a' then
    redis.call('ZREM', K_WAIT, eid)
    if e.s == 'o' then redis.call('ZREM', K_OFFERS, eid) else redis.call('ZREM', K_READY, eid) end
  end
  local fields = {eid}
  if e.sid then fields[#fields + 1] = 's:' .. e.sid end
  if e.k == 'c' then fields[#fields + 1] = 'c:' .. e.cb end
  redis.call('HDEL', K_REC, unpack(fields))
end
""",
    "unoffer": """
-- Puts an offered entry back at its place; returns the fields to write.
local function unoffer(eid, e)
  e.s = 'w'
  e.oa = nil
  e.od = nil
  e.ois = nil
  redis.call('ZADD', K_READY, score(e), eid)
  redis.call('ZREM', K_OFFERS, eid)
end
""",
    "readd": """
-- A remote agent back on this queue's available list (if still logged in here).
local function readd(agent, idle)
  if redis.call('SISMEMBER', K_STAFF, agent) == 1 then
    redis.call('ZADD', K_AVAILABLE, idle, agent)
  end
end
""",
    "offertag": """
-- An offered entry's current offer as OfferTag's text, ``<agent>@<deadline ms>``.
local function offertag(e)
  return e.oa .. '@' .. string.format('%.0f', tonumber(e.od) * 1000)
end
""",
    "live": """
-- The live call's state (LiveCallState) of entry e (nil: gone). ``rg`` names the
-- offer whose agent was rung (RING), until REQUEUE clears it.
local function live(e)
  if not e then return 'done' end
  if e.s == 'a' then return 'connected' end
  if e.s == 'o' then
    if e.rg and e.rg == offertag(e) then return 'connecting' end
    return 'offered'
  end
  if e.rg then return 'back_in_queue' end
  return 'joined'
end
""",
    "save": """
-- Writes entry e; returns its encoded record.
local function save(eid, e)
  local raw = cjson.encode(e)
  redis.call('HSET', K_REC, eid, raw)
  return raw
end
""",
    "answer": """
-- The named reply of a live-call transition (LiveChange): status (ok or why not),
-- the live state before and after, the entry's id and record, and extra fields.
-- ``raw``, the record already encoded, saves encoding it again.
local function answer(status, eid, e, previous, extra, raw)
  local r = extra or {}
  r.status = status
  r.entry = eid
  r.previous = previous
  if not r.state then r.state = live(e) end
  local head = cjson.encode(r)
  if not e then return head end
  return string.sub(head, 1, -2) .. ',"record":' .. (raw or cjson.encode(e)) .. '}'
end
""",
    "unhold": """
-- The agent holding entry eid: the caller runs the agent's own transition.
local function unhold(x, eid, now)
  return x
end
""",
}


JOIN = _queue_script(
    "JOIN",
    ("rec", "wait", "ready", "events"),
    """\
-- ARGV[1] now, ARGV[2] kind code (l|c), ARGV[3] call sid, ARGV[4] caller,
-- ARGV[5] callback number, ARGV[6] language, ARGV[7] intent, ARGV[8] number dialled,
-- ARGV[9] priority ('' = the queue's rule for the intent), ARGV[10] default max size,
-- ARGV[11] the new entry's id (minted by the caller, see entry_ids)
-- Returns {'new'|'existing', id, json}, {'full', max_size} or {'taken'} when an entry
-- already has that id.
""",
    """
local now, kind, sid, cbn, intent, eid = ARGV[1], ARGV[2], ARGV[3], ARGV[5], ARGV[7], ARGV[11]
local r = redis.call('HMGET', K_REC, 's:' .. sid, 'c:' .. cbn, eid, '#max_size',
  '#p:' .. intent)
for i, index in ipairs({sid ~= '', kind == 'c'}) do
  if index and r[i] then
    local raw = redis.call('HGET', K_REC, r[i])
    if raw then return {'existing', r[i], raw} end
  end
end
if r[3] then return {'taken'} end
local max = tonumber(r[4] or ARGV[10])
if redis.call('ZCARD', K_WAIT) >= max then return {'full', tostring(max)} end
local p = ARGV[9]
if p == '' then p = r[5] or '0' end
local e = {k = kind, t = now, p = tonumber(p), s = 'w'}
if sid ~= '' then e.sid = sid end
if ARGV[4] ~= '' then e.fr = ARGV[4] end
if kind == 'c' then e.cb = cbn; e.rt = now end
if ARGV[6] ~= '' then e.lg = ARGV[6] end
if intent ~= 'general' then e['in'] = intent end
if ARGV[8] ~= '' then e.to = ARGV[8] end
local raw = cjson.encode(e)
local fields = {eid, raw}
if sid ~= '' then fields[#fields + 1] = 's:' .. sid; fields[#fields + 1] = eid end
if kind == 'c' then fields[#fields + 1] = 'c:' .. cbn; fields[#fields + 1] = eid end
redis.call('HSET', K_REC, unpack(fields))
local sc = score(e)
redis.call('ZADD', K_WAIT, sc, eid)
redis.call('ZADD', K_READY, sc, eid)
emit('joined', eid, e, now, 'pos', rank(eid), 'wait', '0')
return {'new', eid, raw}
""",
)

CONVERT = _queue_script(
    "CONVERT",
    _ROUTING,
    """\
-- ARGV[1] now, ARGV[2] entry id, ARGV[3] callback number
-- Returns {'converted'|'same', id, json}, {'merged', kept id, json, remote agent whose
-- offer of the dropped entry is void or ''}, {'accepted', json} or {'gone'}.
""",
    """
local now, eid, number = ARGV[1], ARGV[2], ARGV[3]
local r = redis.call('HMGET', K_REC, eid, 'c:' .. number)
if not r[1] then return {'gone'} end
local e = cjson.decode(r[1])
if e.s == 'a' then return {'accepted', r[1]} end
if e.k == 'c' and e.cb == number then return {'same', eid, r[1]} end
local other = r[2]
if other and other ~= eid then
  local o, oraw = load(other)
  -- Keep the entry an agent already has; else the one ahead in the queue.
  local keep_other
  if o.s ~= 'w' then keep_other = true
  elseif e.s ~= 'w' then keep_other = false
  else keep_other = rank(other) < rank(eid) end
  if keep_other then
    emit('removed', eid, e, now, 'pos', rank(eid), 'wait', waited(e, now),
      'reason', 'duplicate_callback', 'agent', e.oa or '')
    forget(eid, e)
    local remote = ''
    if e.s == 'o' then remote = unhold(e.oa, eid, now) end
    return {'merged', other, oraw, remote}
  end
  -- The other is waiting, so no agent holds it.
  emit('removed', other, o, now, 'pos', rank(other), 'wait', waited(o, now),
    'reason', 'duplicate_callback')
  forget(other, o)
end
if e.k == 'c' then redis.call('HDEL', K_REC, 'c:' .. e.cb) end
e.k = 'c'
e.cb = number
e.rg = nil
if not e.rt then e.rt = now end
local raw = cjson.encode(e)
redis.call('HSET', K_REC, eid, raw, 'c:' .. number, eid)
emit('converted', eid, e, now, 'pos', rank(eid), 'wait', waited(e, now))
return {'converted', eid, raw}
""",
)

DROP = _queue_script(
    "DROP",
    _ROUTING,
    """\
-- ARGV[1] now, ARGV[2] entry id, ARGV[3] event type (abandoned|expired|removed),
-- ARGV[4] reason, ARGV[5] '1' to drop an accepted entry too,
-- ARGV[6] kind code (l|c) the entry must still have, '' for any
-- The kind is checked here, not by the caller: a live call that became a callback
-- since the caller read it stays. Live call: any state -> done (the caller hangs up,
-- max wait, removal; connected only with ARGV[5] '1').
-- Returns a LiveChange: status ok (agent: the agent that held it, whose side the
-- caller frees), accepted, kind or gone.
""",
    """
local now, eid = ARGV[1], ARGV[2]
local e, raw = load(eid)
if not e then return answer('gone', eid, nil, 'done') end
local previous = live(e)
if ARGV[6] ~= '' and e.k ~= ARGV[6] then return answer('kind', eid, e, previous) end
if e.s == 'a' and ARGV[5] ~= '1' then return answer('accepted', eid, e, previous) end
local agent = e.oa or e.aa or ''
emit(ARGV[3], eid, e, now, 'pos', rank(eid), 'wait', waited(e, now), 'agent', agent,
  'reason', ARGV[4])
forget(eid, e)
local remote = ''
if agent ~= '' then remote = unhold(agent, eid, now) end
return answer('ok', eid, e, previous, {agent = remote, state = 'done'}, raw)
""",
)

RESERVE = _queue_script(
    "RESERVE",
    _ROUTING,
    """\
-- ARGV[1] now, ARGV[2] default offer timeout, ARGV[3] entries to scan, ARGV[4] agents to scan
-- Pairs the first offerable entry with the longest-idle available agent that has not
-- declined it, marks it offered and takes the agent off the available list; the
-- caller then claims the agent on its own key (AGENT_CLAIM). Live call: joined or
-- back_in_queue -> offered.
-- Returns a LiveChange: status ok (entry, record, agent) or no_agent, empty, none.
""",
    """
local now = ARGV[1]
-- Most offers go to the first agent and the first entry: read a few, then more if needed.
local agents = redis.call('ZRANGE', K_AVAILABLE, 0, 3, 'WITHSCORES')
if #agents == 0 then return cjson.encode({status = 'no_agent'}) end
local more_agents = #agents == 8
local ids = redis.call('ZRANGE', K_READY, 0, 0)
if #ids == 0 then return cjson.encode({status = 'empty'}) end
local staff = nil
local i = 1
while ids[i] do
  local eid = ids[i]
  local r = redis.call('HMGET', K_REC, eid, '#offer_timeout')
  local e = cjson.decode(r[1])
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
      e.tx = nil
      pick, idle = agents[1], agents[2]
    end
  end
  if pick then
    local previous = live(e)
    local deadline = string.format('%.3f', tonumber(now) + tonumber(r[2] or ARGV[2]))
    e.s = 'o'
    e.oa = pick
    e.od = deadline
    e.ois = idle
    local raw = save(eid, e)
    redis.call('ZREM', K_READY, eid)
    redis.call('ZADD', K_OFFERS, deadline, eid)
    redis.call('ZREM', K_AVAILABLE, pick)
    emit('offered', eid, e, now, 'pos', rank(eid), 'wait', waited(e, now), 'agent', pick)
    return answer('ok', eid, e, previous, {agent = pick}, raw)
  end
  if i == 1 then ids = redis.call('ZRANGE', K_READY, 0, tonumber(ARGV[3]) - 1) end
  i = i + 1
end
return cjson.encode({status = 'none'})
""",
)

WITHDRAW = _queue_script(
    "WITHDRAW",
    ("rec", "wait", "ready", "offers", "events"),
    """\
-- ARGV[1] now, ARGV[2] entry id, ARGV[3] remote agent, ARGV[4] reason,
-- ARGV[5] from state (o|a)
-- Undoes an offer (o) or an acceptance (a) the remote agent's own key refused, or an
-- offer the agent dropped (away, logged out); the entry goes back to its place. Live
-- call: offered or connected -> joined (back_in_queue when its agent was rung).
-- Returns a LiveChange: status ok, or state when that agent no longer holds it, gone.
""",
    """
local now, eid, agent = ARGV[1], ARGV[2], ARGV[3]
local e = load(eid)
if not e then return answer('gone', eid, nil, 'done') end
local previous = live(e)
if e.s ~= ARGV[5] or (e.oa or e.aa) ~= agent then return answer('state', eid, e, previous) end
e.aa = nil
e.at = nil
unoffer(eid, e)
local raw = save(eid, e)
redis.call('ZADD', K_WAIT, score(e), eid)
emit('withdrawn', eid, e, now, 'pos', rank(eid), 'wait', waited(e, now), 'agent', agent,
  'reason', ARGV[4])
return answer('ok', eid, e, previous, {agent = agent}, raw)
""",
)

ACCEPT = _queue_script(
    "ACCEPT",
    _ROUTING,
    """\
-- ARGV[1] now, ARGV[2] entry id, ARGV[3] agent, ARGV[4] the offer (OfferTag text)
-- the entry must still be in, '' for any
-- The single point where an entry gets its one agent: only a waiting entry, or one
-- offered to this agent, can be accepted; the caller then makes the agent busy on
-- its own key (AGENT_TAKE), and withdraws the acceptance when that is refused.
-- Live call: offered or connecting -> connected (the agent answered, ARGV[4] names
-- the offer); joined -> connected (an agent's Call).
-- Returns a LiveChange: status ok, or already, taken, offered_elsewhere, offer
-- (not in that offer any more), gone.
""",
    """
local now, eid, agent = ARGV[1], ARGV[2], ARGV[3]
local e = load(eid)
if not e then return answer('gone', eid, nil, 'done') end
local previous = live(e)
if e.s == 'a' then
  if e.aa == agent then return answer('already', eid, e, previous) end
  return answer('taken', eid, e, previous)
end
if e.s == 'o' and e.oa ~= agent then return answer('offered_elsewhere', eid, e, previous) end
if ARGV[4] ~= '' and (e.s ~= 'o' or offertag(e) ~= ARGV[4]) then
  return answer('offer', eid, e, previous)
end
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
local raw = save(eid, e)
emit('accepted', eid, e, now, 'pos', pos, 'wait', waited(e, now), 'agent', agent)
return answer('ok', eid, e, previous, {agent = agent}, raw)
""",
)

DECLINE = _queue_script(
    "DECLINE",
    _ROUTING,
    """\
-- ARGV[1] now, ARGV[2] entry id, ARGV[3] agent, ARGV[4] mode (decline|timeout|miss),
-- ARGV[5] the offer (OfferTag text) the entry must still be in, '' for any
-- The entry goes back to its place and remembers the agent (in dx; in tx too when the
-- offer rang out rather than being declined); the agent goes back on
-- the available list (keeping its idle time on decline, at the end on timeout) and
-- the caller releases it on its own key (AGENT_RELEASE). A miss is a timeout when
-- due, else a decline, and leaves the agent off the list (the caller runs AGENT_MISS).
-- Live call: offered -> joined, connecting -> back_in_queue (the rung note stays).
-- Returns a LiveChange: status ok (agent: the agent whose offer ended, '' when a
-- waiting entry was passed over), not_due, state or gone.
""",
    """
local now, eid, agent, mode = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local e = load(eid)
if not e then return answer('gone', eid, nil, 'done') end
local previous = live(e)
if e.s == 'o' and e.oa == agent and (ARGV[5] == '' or offertag(e) == ARGV[5]) then
  local due = tonumber(now) >= tonumber(e.od)
  if mode == 'timeout' and not due then return answer('not_due', eid, e, previous) end
  local timed_out = mode == 'timeout' or (mode == 'miss' and due)
  local idle = e.ois
  if timed_out then idle = now end
  e.dx = listadd(e.dx, agent)
  if timed_out then e.tx = listadd(e.tx, agent) end  -- rang out, not declined
  unoffer(eid, e)
  local raw = save(eid, e)
  if mode ~= 'miss' then readd(agent, idle) end
  local etype = 'declined'
  if timed_out then etype = 'offer_timed_out' end
  emit(etype, eid, e, now, 'pos', rank(eid), 'wait', waited(e, now), 'agent', agent)
  return answer('ok', eid, e, previous, {agent = agent}, raw)
end
if e.s == 'w' and mode == 'decline' then
  e.dx = listadd(e.dx, agent)
  if listhas(e.tx, agent) then  -- declined now, after an offer that rang out
    local kept = {}
    for a in string.gmatch(e.tx, '[^,]+') do
      if a ~= agent then kept[#kept + 1] = a end
    end
    e.tx = nil
    if #kept > 0 then e.tx = table.concat(kept, ',') end
  end
  local raw = save(eid, e)
  emit('declined', eid, e, now, 'pos', rank(eid), 'wait', waited(e, now), 'agent', agent)
  return answer('ok', eid, e, previous, {agent = ''}, raw)
end
return answer('state', eid, e, previous)
""",
)

COMPLETE = _queue_script(
    "COMPLETE",
    _ROUTING,
    """\
-- ARGV[1] now, ARGV[2] entry id, ARGV[3] agent, ARGV[4] handle seconds,
-- ARGV[5] default wrap-up seconds, ARGV[6] weight of the newest handle time in the
-- moving average
-- The entry leaves; the caller moves the agent to wrap-up on its own key (AGENT_DONE).
-- Live call: connected -> done.
-- Returns a LiveChange: status ok (wrap_up: seconds), state or gone.
""",
    """
local now, eid, agent = ARGV[1], ARGV[2], ARGV[3]
local r = redis.call('HMGET', K_REC, eid, '#aht', '#handled', '#wrap_up')
if not r[1] then return answer('gone', eid, nil, 'done') end
local e = cjson.decode(r[1])
if e.s ~= 'a' or e.aa ~= agent then return answer('state', eid, e, live(e)) end
emit('completed', eid, e, now, 'wait', string.format('%.3f', tonumber(e.at) - tonumber(e.t)),
  'agent', agent, 'handle', ARGV[4])
forget(eid, e)
local h = tonumber(ARGV[4])
local aht = h
if r[2] then aht = tonumber(r[2]) + tonumber(ARGV[6]) * (h - tonumber(r[2])) end
redis.call('HSET', K_REC, '#aht', string.format('%.3f', aht),
  '#handled', tonumber(r[3] or '0') + 1)
return answer('ok', eid, e, 'connected',
  {agent = agent, state = 'done', wrap_up = tonumber(r[4] or ARGV[5])}, r[1])
""",
)

RING = _queue_script(
    "RING",
    ("rec",),
    """\
-- ARGV[1] entry id, ARGV[2] the offer (OfferTag text) whose agent is being rung
-- Live call: offered -> connecting. The entry notes the offer (``rg``), so a ring job
-- run twice never rings twice and a late REQUEUE of an older offer changes nothing.
-- Returns a LiveChange: status ok, rung (connecting in this offer already), kind (a
-- callback), offer (no longer in that offer) or gone.
""",
    """
local eid, tag = ARGV[1], ARGV[2]
local e = load(eid)
if not e then return answer('gone', eid, nil, 'done') end
local previous = live(e)
if e.k ~= 'l' then return answer('kind', eid, e, previous) end
if e.s ~= 'o' or offertag(e) ~= tag then return answer('offer', eid, e, previous) end
if e.rg == tag then return answer('rung', eid, e, previous) end
e.rg = tag
return answer('ok', eid, e, previous, nil, save(eid, e))
""",
)

REQUEUE = _queue_script(
    "REQUEUE",
    ("rec",),
    """\
-- ARGV[1] entry id, ARGV[2] the offer (OfferTag text) that ended
-- Live call: back_in_queue -> joined (job requeue_caller moves the caller back), or
-- connecting -> offered (ringing that offer's agent failed): clears the entry's note
-- of the rung offer while it still names that offer and no agent has the caller.
-- Returns a LiveChange: status ok, connected, kind, not_rung (the note names another
-- offer or none) or gone.
""",
    """
local eid, tag = ARGV[1], ARGV[2]
local e = load(eid)
if not e then return answer('gone', eid, nil, 'done') end
local previous = live(e)
if e.k ~= 'l' then return answer('kind', eid, e, previous) end
if e.s == 'a' then return answer('connected', eid, e, previous) end
if e.rg ~= tag then return answer('not_rung', eid, e, previous) end
e.rg = nil
return answer('ok', eid, e, previous, nil, save(eid, e))
""",
)

SYNC_AGENT = _queue_script(
    "SYNC_AGENT",
    ("available", "staff", "versions"),
    """\
-- ARGV[1] agent, ARGV[2] presence version, ARGV[3] state, ARGV[4] idle since,
-- ARGV[5] '1' if a member of this queue
-- Mirrors an agent's presence into the queue (staff: logged in, that is available,
-- offered, busy or in wrap-up); an older version never overwrites a newer.
-- Returns 1 if applied.
""",
    """
local agent, v = ARGV[1], tonumber(ARGV[2])
local cur = tonumber(redis.call('HGET', K_VERSIONS, agent) or '-1')
if v <= cur then return 0 end
redis.call('HSET', K_VERSIONS, agent, ARGV[2])
local out = {logged_out = true, away = true, missed = true}
if ARGV[5] == '1' and not out[ARGV[3]] then
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
    ("rec", "wait"),
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
  out[#out + 1] = redis.call('HGET', K_REC, eid)
end
return out
""",
)

ESTIMATE = _queue_script(
    "ESTIMATE",
    ("rec", "wait", "available", "staff"),
    """\
-- ARGV[1] entry id
-- Returns {position or 0, available agents, logged-in agents, average handle or ''}.
""",
    """
return {rank(ARGV[1]), redis.call('ZCARD', K_AVAILABLE), redis.call('SCARD', K_STAFF),
  redis.call('HGET', K_REC, '#aht') or ''}
""",
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
    "RING": RING,
    "REQUEUE": REQUEUE,
    "SYNC_AGENT": SYNC_AGENT,
    "PAGE": PAGE,
    "ESTIMATE": ESTIMATE,
    **agent_scripts.ALL,
}
