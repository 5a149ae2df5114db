"""Lua scripts on one roaming agent's key (an agent in several queues).

An agent in exactly one queue keeps its presence inside that queue's slot
(see ``scripts``); an agent in several queues keeps it here, under its own
hash tag, and every change is a compare-and-set so that the agent never holds
two offers or two calls however many queues route at once.
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
    "AGENT_SET": AGENT_SET,
    "AGENT_CLAIM": AGENT_CLAIM,
    "AGENT_TAKE": AGENT_TAKE,
    "AGENT_RELEASE": AGENT_RELEASE,
    "AGENT_DONE": AGENT_DONE,
    "AGENT_END_WRAP": AGENT_END_WRAP,
}
