"""The agent state machine's transitions: one Lua script each, on the agent's own key.

Every agent's presence lives under its own hash tag (``AgentKeys.presence``),
whatever queues it belongs to, and every change is a compare-and-set there:
an agent never holds two offers or two calls however many queues route at
once, and its member queues change in the same step as its state (issue 16).
Each script answers one JSON object with named fields (``AgentChange``):

- ``status``: ``ok``, or why it was refused: ``busy``/``offered``/... (the state
  that refuses it), ``not_member``, ``not_due``;
- ``version``: the presence version after the change (mirrors in the queues
  never take an older one over a newer, see ``SYNC_AGENT``);
- ``state``, ``previous``: the state after and before; ``idle``: idle since;
- ``queues``, ``old_queues``: member queues after and before (comma lists);
- ``queue``, ``entry``: the offer or call the agent holds (or, for ``AGENT_SET``,
  the offer it dropped).

docs/routing.md has the table of states, events and scripts.
"""

from __future__ import annotations

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
-- cq/ce queue and entry held, d offer deadline, w wrap-up until (AgentKeys).
local h = redis.call('HMGET', K, 's', 'q', 'i', 'v', 'cq', 'ce', 'd', 'w')
local a = {s = h[1] or 'logged_out', q = h[2] or '', i = h[3] or '', v = tonumber(h[4] or '0'),
  cq = h[5] or '', ce = h[6] or '', d = h[7] or '', w = h[8] or ''}
-- Written on entering away or missed, cleared on leaving: t since, and the missed
-- offer's mq queue, me entry, mr reason.
local CLEAR_AWAY = {t = '', mq = '', me = '', mr = ''}
local before = {s = a.s, q = a.q, cq = a.cq, ce = a.ce}
local function put(fields, extra)
  -- Writes the changed fields (and ``extra``'s) and the next version in one command.
  a.v = a.v + 1
  local args = {'v', a.v}
  for _, set in ipairs({fields, extra or {}}) do
    for name, value in pairs(set) do
      a[name] = value
      args[#args + 1] = name
      args[#args + 1] = value
    end
  end
  redis.call('HSET', K, unpack(args))
end
local function reply(status)
  return cjson.encode({status = status, version = a.v, state = a.s, previous = before.s,
    idle = a.i, queues = a.q, old_queues = before.q, queue = a.cq, entry = a.ce,
    deadline = a.d, wrap_up = a.w})
end
local function refuse(status)
  return cjson.encode({status = status, state = a.s, version = a.v})
end
"""


def _transition(doc: str, body: str) -> str:
    return _AGENT_KEYS + doc + _AGENT_LIB + body


AGENT_SET = _transition(
    """\
-- ARGV[1] state (available|away|logged_out), ARGV[2] member queues (comma list),
-- ARGV[3] '1' to replace the member queues, ARGV[4] now
-- The agent's own switch: any state but busy -> available, away or logged out,
-- with the new member queues in the same step. Offered -> away or logged out drops
-- the offer (reply's queue/entry: the caller gives the entry back); offered ->
-- available is refused (already taking calls), as is anything while busy.
""",
    """
local want = ARGV[1]
if a.s == 'busy' or (a.s == 'offered' and want == 'available') then
  return refuse(a.s)
end
local q = a.q
if ARGV[3] == '1' then q = ARGV[2] end
local i = a.i
if want == 'available' and a.s ~= 'available' then i = ARGV[4] end
local dropped_q, dropped_e = a.cq, a.ce
local away = CLEAR_AWAY
if want == 'away' then away = {t = ARGV[4], mq = '', me = '', mr = ''} end
put({s = want, q = q, i = i, cq = '', ce = '', d = '', w = ''}, away)
a.cq, a.ce = dropped_q, dropped_e
return reply('ok')
""",
)

AGENT_CLAIM = _transition(
    """\
-- ARGV[1] queue, ARGV[2] entry id, ARGV[3] offer deadline
-- available (a member of the queue) -> offered this entry: an agent never holds two offers.
""",
    """
if a.s ~= 'available' then return refuse(a.s) end
if not listhas(a.q, ARGV[1]) then return refuse('not_member') end
put({s = 'offered', cq = ARGV[1], ce = ARGV[2], d = ARGV[3]})
return reply('ok')
""",
)

AGENT_MISS = _transition(
    """\
-- ARGV[1] queue, ARGV[2] entry id, ARGV[3] now, ARGV[4] why (the agent reads it)
-- offered this entry -> missed: not offered again until the agent is back (AGENT_SET).
""",
    """
if a.s ~= 'offered' or a.cq ~= ARGV[1] or a.ce ~= ARGV[2] then return refuse(a.s) end
put({s = 'missed', cq = '', ce = '', d = ''},
  {t = ARGV[3], mq = ARGV[1], me = ARGV[2], mr = ARGV[4]})
return reply('ok')
""",
)

AGENT_TAKE = _transition(
    """\
-- ARGV[1] queue, ARGV[2] entry id
-- available (a member of the queue) or offered this entry -> busy with it
-- (busy with it already: ok, unchanged).
""",
    """
local mine = a.cq == ARGV[1] and a.ce == ARGV[2]
if a.s == 'busy' and mine then return reply('ok') end
if a.s == 'available' then
  if not listhas(a.q, ARGV[1]) then return refuse('not_member') end
elseif not (a.s == 'offered' and mine) then
  return refuse(a.s)
end
put({s = 'busy', cq = ARGV[1], ce = ARGV[2], d = ''})
return reply('ok')
""",
)

AGENT_RELEASE = _transition(
    """\
-- ARGV[1] queue, ARGV[2] entry id, ARGV[3] now, ARGV[4] mode: keep (idle time kept),
-- now (idle from now), decline (only an offer; idle kept), timeout (only an offer
-- whose deadline passed; idle from now)
-- offered (or, for keep and now, busy) with this entry -> available.
""",
    """
local mode = ARGV[4]
if (a.s ~= 'offered' and a.s ~= 'busy') or a.cq ~= ARGV[1] or a.ce ~= ARGV[2] then
  return refuse(a.s)
end
if (mode == 'decline' or mode == 'timeout') and a.s ~= 'offered' then return refuse(a.s) end
if mode == 'timeout' and tonumber(ARGV[3]) < tonumber(a.d) then return refuse('not_due') end
local i = a.i
if mode == 'now' or mode == 'timeout' then i = ARGV[3] end
put({s = 'available', i = i, cq = '', ce = '', d = ''})
return reply('ok')
""",
)

AGENT_DONE = _transition(
    """\
-- ARGV[1] queue, ARGV[2] entry id, ARGV[3] now, ARGV[4] wrap-up seconds
-- busy with this entry -> wrap-up until now + wrap-up seconds (available when 0).
""",
    """
if a.s ~= 'busy' or a.cq ~= ARGV[1] or a.ce ~= ARGV[2] then return refuse(a.s) end
local wrap = tonumber(ARGV[4])
if wrap > 0 then
  put({s = 'wrap_up', w = string.format('%.3f', tonumber(ARGV[3]) + wrap), cq = '', ce = ''})
else
  put({s = 'available', i = ARGV[3], cq = '', ce = ''})
end
return reply('ok')
""",
)

AGENT_END_WRAP = _transition(
    """\
-- ARGV[1] now, ARGV[2] '1' to end it only when the wrap-up time has passed
-- wrap-up -> available, idle from now.
""",
    """
if a.s ~= 'wrap_up' then return refuse(a.s) end
if ARGV[2] == '1' and tonumber(ARGV[1]) < tonumber(a.w) then return refuse('not_due') end
put({s = 'available', i = ARGV[1], w = ''})
return reply('ok')
""",
)

ALL = {
    "AGENT_SET": AGENT_SET,
    "AGENT_CLAIM": AGENT_CLAIM,
    "AGENT_MISS": AGENT_MISS,
    "AGENT_TAKE": AGENT_TAKE,
    "AGENT_RELEASE": AGENT_RELEASE,
    "AGENT_DONE": AGENT_DONE,
    "AGENT_END_WRAP": AGENT_END_WRAP,
}
