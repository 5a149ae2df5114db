"""Every Redis key is built in ``ringback.redis_keys`` (STYLE rule 4), and nowhere else."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import ringback
from ringback.callbacks.limits import LimitKind
from ringback.redis_keys import (
    CONFIGURED_QUEUES,
    AgentKeys,
    CallbackKeys,
    CallKeys,
    DeadlineKeys,
    DialResultKeys,
    LoginKeys,
    NoticeKeys,
    NumberKeys,
    SchedulerKeys,
    SimKeys,
    WorkerKeys,
    queue_keys,
)
from ringback.scheduler.deadlines import DeadlineKind

SOURCE = Path(ringback.__file__).parent
KEYS_MODULE = SOURCE / "redis_keys.py"

# A key of ours starts "rb:" or "ringback:" (not the "ringback: message" the
# command line prints), holds a hash tag (":{q:", ":{sim}", or ":{" around a
# value: an f-string's "{{" reaches the AST as one literal brace), or is an
# f-string that starts with a PREFIX constant.  Values of f-strings render as NUL.
_VALUE = "\0"
_KEY_START = re.compile(r"^(rb|ringback):(?!\s)")
_HASH_TAG = re.compile(r":\{([A-Za-z][\w-]*[:}]|\0)")


def _name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    return node.attr if isinstance(node, ast.Attribute) else ""


def _builds_key(text: str) -> bool:
    return bool(_KEY_START.match(text) or _HASH_TAG.search(text))


def key_literals(source: str) -> list[tuple[int, str]]:
    """(line, text) of every string constant or f-string in ``source`` that builds a key."""
    tree = ast.parse(source)
    skip = {id(v) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr)
            for v in node.values}
    skip |= {id(node.body[0].value) for node in ast.walk(tree)  # docstrings
             if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef)
             and node.body and isinstance(node.body[0], ast.Expr)}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            text = "".join(str(v.value) if isinstance(v, ast.Constant) else _VALUE
                           for v in node.values)
            first = node.values[0] if node.values else None
            from_prefix = (isinstance(first, ast.FormattedValue)
                           and _name(first.value).upper().endswith("PREFIX")
                           and text.startswith(_VALUE + ":"))
            if from_prefix or _builds_key(text):
                found.append((node.lineno, text.replace(_VALUE, "{}")))
        elif (isinstance(node, ast.Constant) and isinstance(node.value, str)
              and id(node) not in skip and _builds_key(node.value)):
            found.append((node.lineno, node.value))
    return sorted(found)


def test_no_redis_key_is_built_outside_the_keys_module() -> None:
    outside = {
        f"{path.relative_to(SOURCE.parent)}:{line}: {text!r}"
        for path in sorted(SOURCE.rglob("*.py")) if path != KEYS_MODULE
        for line, text in key_literals(path.read_text())
    }
    assert not outside, "Redis keys built outside ringback/redis_keys.py:\n" + "\n".join(
        sorted(outside))


def test_the_scan_finds_keys_in_every_form() -> None:
    source = '\n'.join([
        'WORKERS = "ringback:workers"',
        'SEEN = "ringback:reaper:intermediate:{queue}"',
        'LIMITS = "rb:{callback-limits}"',
        'def a(q): return f"rb:{{q:{q}}}:wait"',
        'def b(k): return f"{PREFIX}:{{dl:{k}}}:due"',
        'def c(t): return f"{PREFIX}:{{{t}}}:notices"',
        'def d(): return f"{PREFIX}:numbers:version"',
        'def e(self): return f"{self.prefix}:numbers:version"',
    ])
    assert [line for line, _ in key_literals(source)] == [1, 2, 3, 4, 5, 6, 7, 8]


def test_the_scan_leaves_messages_and_addresses_alone() -> None:
    source = '\n'.join([
        'print("ringback: settings are valid")',
        'print(f"ringback: {exc}")',
        'address = f"client:{name}"',
        'ref = f"{queue_id}:{entry_id}"',
        'LANG = re.compile(r"^([A-Za-z]{2,3})(?:-([A-Za-z]{2}))?$")',
        'ID = re.compile(r"^[A-Za-z0-9_.:@-]{1,64}$")',
        'def f():\n    "Keys: ``rb:{q:<queue>}:wait``, documented, not built."',
    ])
    assert key_literals(source) == []


def test_every_key_has_the_template_and_its_family_tag() -> None:
    queue = queue_keys("support")
    keys = {
        "q:support": [*queue.all(),
                      DialResultKeys.result("support", "e1@5"),
                      DialResultKeys.call("support", "e1@5")],
        "a:ana": [AgentKeys("ana").presence],
        "dl:offer_timeout": DeadlineKeys(DeadlineKind.OFFER_TIMEOUT).all()
        + [DeadlineKeys(DeadlineKind.OFFER_TIMEOUT).done],
        "c:CA1": [CallKeys("CA1").record],
        "cbrec": [CallbackKeys.unrecorded],
        "callback-limits": [CallbackKeys.limit_log(LimitKind.PREFIX, "+49301234")],
        "sim": [SimKeys.calls, SimKeys.events, SimKeys.call("CA1"), SimKeys.attempt("k")],
        "numbers": [NumberKeys.version],
        "login:ab12": [LoginKeys.address("ab12"), LoginKeys.account("ab12", "cd34")],
        "s:ef56": [NoticeKeys.notices("ef56")],
        "sched": [SchedulerKeys.schedulers, SchedulerKeys.intermediate("ringback")],
        "work": [WorkerKeys.workers],
    }
    for tag, built in keys.items():
        for key in built:
            assert re.fullmatch(r"rb:\{([^{}]+)\}:[^{}\s]+", key), key
            assert key.startswith(f"rb:{{{tag}}}:"), key


def test_live_state_keeps_its_names_across_the_upgrade() -> None:
    # Renaming these would lose queue entries, deadlines or callbacks in flight.
    assert queue_keys("support").wait == "rb:{q:support}:wait"
    assert AgentKeys("ana").presence == "rb:{a:ana}:agent"
    assert DeadlineKeys(DeadlineKind.CALLBACK_EXPIRY).due == "rb:{dl:callback_expiry}:due"
    assert CallKeys("CA1").record == "rb:{c:CA1}:call"
    assert CallbackKeys.unrecorded == "rb:{cbrec}:unrecorded"
    assert CallbackKeys.limit_log(LimitKind.NUMBER, "+4930") == "rb:{callback-limits}:number:+4930"
    assert DialResultKeys.result("support", "e1@5") == "rb:{q:support}:cbdial:e1@5"
    assert CONFIGURED_QUEUES == "rb:queues"
