"""Webhook benchmark: the hold loop's webhook against a bare Flask app, same load.

    python benchmarks/webhook_bench.py
    REDIS_URL=redis://127.0.0.1:6379/0 python benchmarks/webhook_bench.py

Two gunicorn servers run on 127.0.0.1 with the same worker settings as the
Procfile (gthread): ringback (embedded Redis, or REDIS_URL, and SQLite in a
temporary data folder) with one configured number and one caller already
waiting, and a bare Flask app (a module written to the temporary folder)
that answers a fixed TwiML document. The same client loads both: keep-alive
connections from several processes, the same concurrency and duration, in
alternating rounds so both share the machine's state; each figure is the
median of its rounds.

Each ringback request is the one Twilio repeats for as long as a caller
holds: ``POST /twilio/voice/wait`` with the caller's parameters, signed
with the installation's token against PUBLIC_BASE_URL, so it runs the
signature check, the number lookup, the queue entry and the TwiML builder.
As in production, ringback answers it in front of Flask
(``ringback.webhooks.hold_loop``); ``webhook_cpu_bench.py`` shows the cost of
each part in one process.

That first figure repeats one caller's round, which is answered from the
cached document: the round never announces and the TwiML builder does not
run.  The second figure is a realistic mix, run long enough for
announcements to fall due: 3,000 callers wait when it starts, and each
request is, at random, a hold round of one of them (80 %; the number
announces every 15 s, the shortest it allows, so some rounds speak the
position and estimated wait, which the output counts), a new caller joining
(10 %: the incoming call and the menu that enqueues it, two requests, the
caller then holding with the others) or a caller pressing 3 at the callback
offer (10 %).  The bare app answers the same requests with fixed documents
of the same shape.  Both ratios are printed; the last line has both.
"""

from __future__ import annotations

import http.client
import multiprocessing as mp
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.parse
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from twilio.request_validator import RequestValidator

from ringback.embedded_redis import EmbeddedRedis

PUBLIC = "https://bench.ringback.example"
SECRET = "webhook-bench-secret-0123456789"
BUSINESS = "+4930123456"
CALLER = "+4915112345678"
CALL_SID = "CA" + "be" * 16
WORKERS = 2
THREADS = 8
CLIENT_PROCESSES = 2
CLIENT_THREADS = 8  # connections per process: 16 in all, as many as the servers' threads
ROUNDS = 8
SECONDS_PER_ROUND = 2.0
WARMUP_SECONDS = 1.0
ANNOUNCE_EVERY_SECONDS = 15  # the shortest interval a number allows
MIX_CALLERS = 3000
MIX_ROUNDS = 4
MIX_SECONDS_PER_ROUND = 6.0  # 24 s per server: every caller is due to announce again
MIX_WEIGHTS = (("wait", 80), ("join", 10), ("key", 10))
MAX_QUEUE = 100_000

BARE_APP = textwrap.dedent('''
    from flask import Flask, Response

    app = Flask(__name__)
    TWIML = ('<?xml version="1.0" encoding="UTF-8"?><Response>'
             '<Play>http://com.twilio.music.classical.s3.amazonaws.com/BusyStrings.mp3</Play>'
             '</Response>')

    ENQUEUE = ('<?xml version="1.0" encoding="UTF-8"?><Response>'
               '<Enqueue waitUrl="https://bench.ringback.example/twilio/voice/mix-wait'
               '?queue=support&amp;entry=bare" waitUrlMethod="POST">support</Enqueue>'
               '</Response>')
    HOLD = ('<?xml version="1.0" encoding="UTF-8"?><Response>'
            '<Gather numDigits="1" method="POST" action="https://bench.ringback.example'
            '/twilio/voice/callback/choice?queue=support">'
            '<Say>Press 1 to be called back.</Say>'
            '<Play>http://com.twilio.music.classical.s3.amazonaws.com/BusyStrings.mp3</Play>'
            '</Gather></Response>')

    @app.post("/twilio/voice/wait")
    def wait():
        return Response(TWIML, mimetype="text/xml")

    @app.post("/twilio/voice/mix-wait")
    def mix_wait():
        return Response(HOLD, mimetype="text/xml")

    @app.post("/twilio/voice")
    def incoming():
        return Response(TWIML, mimetype="text/xml")

    @app.post("/twilio/voice/menu")
    def menu():
        return Response(ENQUEUE, mimetype="text/xml")

    @app.post("/twilio/voice/callback/choice")
    def choice():
        return Response(TWIML, mimetype="text/xml")

    @app.get("/healthz")
    def healthz():
        return "ok"
''')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def redis_url(folder: Path) -> Iterator[str]:
    given = os.environ.get("REDIS_URL")
    if given:
        yield given
        return
    embedded = EmbeddedRedis(folder / "redis")
    embedded.start()
    try:
        yield embedded.url
    finally:
        embedded.stop()


@contextmanager
def gunicorn(app: str, port: int, env: dict[str, str], cwd: Path) -> Iterator[None]:
    command = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}",
               "--workers", str(WORKERS), "--worker-class", "gthread",
               "--threads", str(THREADS), "--log-level", "warning", app]
    process = subprocess.Popen(command, env=env, cwd=cwd)
    try:
        deadline = time.monotonic() + 30
        while True:
            with suppress(OSError):
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                conn.request("GET", "/healthz")
                if conn.getresponse().status in (200, 503):
                    break
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError(f"gunicorn for {app} did not start")
            time.sleep(0.1)
        yield
    finally:
        process.terminate()
        process.wait(15)


def signed_post(url: str, params: dict[str, str]) -> tuple[bytes, dict[str, str]]:
    body = urllib.parse.urlencode(params).encode()
    signature = RequestValidator(SECRET).compute_signature(url, params)
    return body, {"X-Twilio-Signature": signature,
                  "Content-Type": "application/x-www-form-urlencoded"}


def call_params(**extra: str) -> dict[str, str]:
    return {"AccountSid": "AC" + "0" * 32, "CallSid": CALL_SID, "From": CALLER,
            "To": BUSINESS, "Direction": "inbound", "ApiVersion": "2010-04-01",
            "CallStatus": "in-progress", **extra}


def prepare_ringback(port: int, env: dict[str, str]) -> str:
    """Configure the number (through the API), put one caller in the queue and
    return the path of the waitUrl its ``<Enqueue>`` names."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("PUT", f"/api/v1/numbers/{BUSINESS}",
                 body=(b'{"queue_id": "support", "language": "en", "max_wait_seconds": 86400, '
                       b'"announce_every_seconds": %d}' % ANNOUNCE_EVERY_SECONDS),
                 headers={"Authorization": f"Bearer {env['RINGBACK_API_TOKEN']}",
                          "Content-Type": "application/json"})
    response = conn.getresponse()
    assert response.status in (200, 201), response.read()
    response.read()
    conn.request("PUT", "/api/v1/queues/support", body=b'{"max_size": %d}' % MAX_QUEUE,
                 headers={"Authorization": f"Bearer {env['RINGBACK_API_TOKEN']}",
                          "Content-Type": "application/json"})
    response = conn.getresponse()
    assert response.status in (200, 201), response.read()
    response.read()
    for path in ("/twilio/voice", "/twilio/voice/menu"):
        body, headers = signed_post(PUBLIC + path, call_params())
        conn.request("POST", path, body=body, headers=headers)
        answer = conn.getresponse().read()
    assert b"<Enqueue" in answer, answer
    wait_url = ET.fromstring(answer).find("Enqueue").get("waitUrl")  # type: ignore[union-attr]
    assert wait_url.startswith(PUBLIC), wait_url
    path = wait_url[len(PUBLIC):]
    body, headers = signed_post(wait_url, call_params(QueueTime="0"))
    conn.request("POST", path, body=body, headers=headers)
    answer = conn.getresponse().read()
    assert b"<Gather" in answer and b"You are next" in answer, answer
    return path


def _client(port: int, path: str, body: bytes, headers: dict[str, str], seconds: float,
            results: mp.Queue) -> None:
    """One client process: CLIENT_THREADS keep-alive connections for ``seconds``."""
    import threading

    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds

    def worker() -> None:
        mine: list[float] = []
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        while True:
            start = time.perf_counter()
            if start >= stop_at:
                break
            try:
                conn.request("POST", path, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException):
                ok = False
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            if ok:
                mine.append(time.perf_counter() - start)
            else:
                with lock:
                    errors[0] += 1
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(CLIENT_THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    results.put((latencies, errors[0]))


def load(port: int, path: str, body: bytes, headers: dict[str, str], seconds: float
         ) -> tuple[float, list[float], int]:
    """Requests per second, latencies and errors under the same load for every server."""
    results: mp.Queue = mp.Queue()
    processes = [mp.Process(target=_client, args=(port, path, body, headers, seconds, results))
                 for _ in range(CLIENT_PROCESSES)]
    for p in processes:
        p.start()
    collected = [results.get() for _ in processes]
    for p in processes:
        p.join()
    # Each client process loads for ``seconds`` from its own start.
    latencies = [x for lat, _ in collected for x in lat]
    return len(latencies) / seconds, latencies, sum(e for _, e in collected)


class Caller:
    """One caller of the mix: its call sid and the signed waitUrl path it holds on."""

    def __init__(self, call_sid: str, wait_path: str) -> None:
        self.call_sid = call_sid
        self.wait_path = wait_path


def post(conn: http.client.HTTPConnection, path: str, params: dict[str, str]) -> bytes:
    body, headers = signed_post(PUBLIC + path, params)
    conn.request("POST", path, body=body, headers=headers)
    response = conn.getresponse()
    answer = response.read()
    if response.status != 200:
        raise RuntimeError(f"{path}: {response.status}")
    return answer


def join(conn: http.client.HTTPConnection, call_sid: str) -> Caller:
    """A new caller: the incoming call, then the menu that enqueues it (two requests)."""
    post(conn, "/twilio/voice", call_params(CallSid=call_sid))
    answer = post(conn, "/twilio/voice/menu", call_params(CallSid=call_sid))
    wait_url = ET.fromstring(answer).find("Enqueue").get("waitUrl")  # type: ignore[union-attr]
    return Caller(call_sid, wait_url[len(PUBLIC):])


def mix_sid(prefix: str, n: int) -> str:
    """A call sid of its own for each caller the mix makes up."""
    import hashlib

    return "CA" + hashlib.md5(f"{prefix}-{n}".encode()).hexdigest()


def populate(port: int, prefix: str) -> tuple[list[Caller], str]:
    """MIX_CALLERS callers waiting, joined from 16 connections; and the path of
    the callback offer's ``<Gather action>`` (the same for every caller of a queue)."""
    from concurrent.futures import ThreadPoolExecutor

    local = __import__("threading").local()

    def one(n: int) -> Caller:
        if not hasattr(local, "conn"):
            local.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        return join(local.conn, mix_sid(prefix, n))

    with ThreadPoolExecutor(CLIENT_PROCESSES * CLIENT_THREADS) as pool:
        callers = list(pool.map(one, range(MIX_CALLERS)))
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    hold = post(conn, callers[0].wait_path, call_params(CallSid=callers[0].call_sid))
    gather = ET.fromstring(hold).find("Gather")
    assert gather is not None, hold
    return callers, gather.get("action")[len(PUBLIC):]  # type: ignore[index]


def _mix_client(port: int, callers: list[Caller], choice_path: str, prefix: str,
                seconds: float, results: mp.Queue) -> None:
    """One client process of the mix: CLIENT_THREADS connections, each with its
    share of the callers, choosing each request at random by MIX_WEIGHTS."""
    import random
    import threading

    latencies: list[float] = []
    counts = {"errors": 0, "waits": 0, "announced": 0}
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds
    kinds = [kind for kind, weight in MIX_WEIGHTS for _ in range(weight)]

    def worker(index: int) -> None:
        rng = random.Random(f"{prefix}-{index}")
        mine = callers[index::CLIENT_THREADS]
        timings: list[float] = []
        errors = waits = announced = joined = 0
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        while time.perf_counter() < stop_at:
            kind = rng.choice(kinds)
            start = time.perf_counter()
            try:
                if kind == "join":
                    joined += 1
                    mine.append(join(conn, mix_sid(f"{prefix}{index}j", joined)))
                    timings += [(time.perf_counter() - start) / 2] * 2
                    continue
                caller = mine[rng.randrange(len(mine))]
                if kind == "key":
                    post(conn, choice_path, call_params(CallSid=caller.call_sid, Digits="3"))
                else:
                    answer = post(conn, caller.wait_path, call_params(
                        CallSid=caller.call_sid, QueueTime="30"))
                    waits += 1
                    announced += b"You are n" in answer  # "You are number N" or "next"
            except (OSError, http.client.HTTPException, RuntimeError):
                errors += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                continue
            timings.append(time.perf_counter() - start)
        with lock:
            latencies.extend(timings)
            counts["errors"] += errors
            counts["waits"] += waits
            counts["announced"] += announced

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(CLIENT_THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    results.put((latencies, counts))


def mix_load(port: int, callers: list[Caller], choice_path: str, prefix: str,
             seconds: float) -> tuple[float, list[float], dict[str, int]]:
    """Requests per second, latencies and counts of the mix on one server."""
    results: mp.Queue = mp.Queue()
    processes = [mp.Process(target=_mix_client,
                            args=(port, callers[i::CLIENT_PROCESSES], choice_path,
                                  f"{prefix}p{i}", seconds, results))
                 for i in range(CLIENT_PROCESSES)]
    for p in processes:
        p.start()
    collected = [results.get() for _ in processes]
    for p in processes:
        p.join()
    latencies = [x for lat, _ in collected for x in lat]
    counts = {key: sum(c[key] for _, c in collected) for key in collected[0][1]}
    return len(latencies) / seconds, latencies, counts


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp, redis_url(Path(tmp)) as url:
        folder = Path(tmp)
        (folder / "bare_app.py").write_text(BARE_APP)
        env = {**os.environ, "RINGBACK_DATA_DIR": str(folder / "data"), "REDIS_URL": url,
               "DATABASE_URL": f"sqlite:///{folder / 'ringback.sqlite3'}",
               "PUBLIC_BASE_URL": PUBLIC, "SECRET_KEY": SECRET,
               "RINGBACK_API_TOKEN": "bench-owner-token-0123456789"}
        env.pop("TWILIO_AUTH_TOKEN", None)
        env.pop("TWILIO_ACCOUNT_SID", None)
        from ringback.store.migrate import upgrade

        upgrade(env["DATABASE_URL"])
        ours, bare = free_port(), free_port()
        with gunicorn("ringback.wsgi:app_from_env()", ours, env, folder), \
                gunicorn("bare_app:app", bare, env, folder):
            wait_path = prepare_ringback(ours, env)
            body, headers = signed_post(PUBLIC + wait_path, call_params(
                QueueSid="QU" + "0" * 32, QueueTime="10", QueuePosition="1",
                CurrentQueueSize="1", AvgQueueTime="0"))
            # Both servers get the same request: the bare app ignores what it does not read.
            targets = {ours: wait_path, bare: wait_path}
            for port, path in targets.items():
                load(port, path, body, headers, WARMUP_SECONDS)
            rates: dict[int, list[float]] = {ours: [], bare: []}
            latencies: dict[int, list[float]] = {ours: [], bare: []}
            errors = {ours: 0, bare: 0}
            for _ in range(ROUNDS):
                for port, path in targets.items():
                    rate, seen, failed = load(port, path, body, headers, SECONDS_PER_ROUND)
                    rates[port].append(rate)
                    latencies[port] += seen
                    errors[port] += failed
            mix = run_mix(ours, bare)
        # Medians of the rounds: a burst of other work on the machine skews one round.
        ours_rate, bare_rate = statistics.median(rates[ours]), statistics.median(rates[bare])
        ours_lat, bare_lat = latencies[ours], latencies[bare]
        ours_err, bare_err = errors[ours], errors[bare]
        p99 = statistics.quantiles(ours_lat, n=100)[98] * 1000
        bare_p99 = statistics.quantiles(bare_lat, n=100)[98] * 1000
        where = "REDIS_URL" if os.environ.get("REDIS_URL") else "embedded"
        print(f"load: {CLIENT_PROCESSES * CLIENT_THREADS} keep-alive connections, "
              f"{ROUNDS} x {SECONDS_PER_ROUND:.0f} s per server; gunicorn gthread "
              f"{WORKERS} workers x {THREADS} threads; Redis {where}")
        print(f"wait-loop webhook: {ours_rate:.0f} req/s, median "
              f"{statistics.median(ours_lat) * 1000:.2f} ms, p99 {p99:.2f} ms, errors {ours_err}")
        print(f"bare Flask:        {bare_rate:.0f} req/s, median "
              f"{statistics.median(bare_lat) * 1000:.2f} ms, p99 {bare_p99:.2f} ms, "
              f"errors {bare_err}")
        (mix_ours, mix_ours_lat, mix_counts), (mix_bare, _mix_bare_lat, mix_bare_counts) = mix
        mix_p99 = statistics.quantiles(mix_ours_lat, n=100)[98] * 1000
        print(f"mix: {MIX_CALLERS:,} callers waiting at the start, requests "
              + ", ".join(f"{kind} {weight} %" for kind, weight in MIX_WEIGHTS)
              + f", {MIX_ROUNDS} x {MIX_SECONDS_PER_ROUND:.0f} s per server")
        print(f"mix ringback:      {mix_ours:.0f} req/s, p99 {mix_p99:.2f} ms, "
              f"hold rounds {mix_counts['waits']}, announcing {mix_counts['announced']} "
              f"({100 * mix_counts['announced'] / max(1, mix_counts['waits']):.1f} %), "
              f"errors {mix_counts['errors']}")
        print(f"mix bare Flask:    {mix_bare:.0f} req/s, errors {mix_bare_counts['errors']}")
        print(f"wait-loop webhook req/s: {ours_rate:.0f}; bare Flask req/s: {bare_rate:.0f}; "
              f"ratio: {ours_rate / bare_rate:.2f}; p99 ms: {p99:.1f}; "
              f"mix ratio: {mix_ours / mix_bare:.2f}; mix p99 ms: {mix_p99:.1f}")


def run_mix(ours: int, bare: int) -> list[tuple[float, list[float], dict[str, int]]]:
    """The mix on both servers in alternating rounds; per server the median rate,
    every latency and the summed counts."""
    populations = {port: populate(port, name) for port, name in ((ours, "a"), (bare, "b"))}
    rates: dict[int, list[float]] = {ours: [], bare: []}
    latencies: dict[int, list[float]] = {ours: [], bare: []}
    counts: dict[int, dict[str, int]] = {ours: {}, bare: {}}
    for n in range(MIX_ROUNDS):
        for port, (callers, choice_path) in populations.items():
            rate, seen, counted = mix_load(port, callers, choice_path, f"r{n}",
                                           MIX_SECONDS_PER_ROUND)
            rates[port].append(rate)
            latencies[port] += seen
            for key, value in counted.items():
                counts[port][key] = counts[port].get(key, 0) + value
    return [(statistics.median(rates[port]), latencies[port], counts[port])
            for port in (ours, bare)]


if __name__ == "__main__":
    main()
