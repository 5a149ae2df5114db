"""The Twilio REST adapter, built on the twilio library's ``Client``.

Retries follow what each operation can bear:

* Updates (redirect, hangup, dequeue) and lookups are idempotent, so a
  20429 (too many requests), a 5xx or a network failure is retried with
  bounded exponential backoff.
* Creating a call is tried once.  A 20429 raises ``RateLimited`` at once:
  the caller reschedules the attempt instead of holding a worker through a
  storm.  After a 5xx or a network failure the call may exist anyway, and
  nothing in Twilio's answer tells which call it would be (every call to one
  agent has the same To and From), so the adapter raises
  ``CallOutcomeUnknown``; the caller learns the truth from the call's status
  callback (``initiated``), whose URL names the attempt.
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import requests
from twilio.base.exceptions import (
    TwilioException,
    TwilioRestException,
    TwilioServiceException,
)
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client
from twilio.rest.api.v2010.account.call import CallInstance

from ringback.clock import Clock, SystemClock
from ringback.observability import recorder
from ringback.telephony.base import STATUS_CALLBACK_EVENTS, CallStatus, PlacedCall
from ringback.telephony.errors import (
    CallNotInProgress,
    CallOutcomeUnknown,
    RateLimited,
    TelephonyError,
    TelephonyUnavailable,
    error_for_code,
)

log = logging.getLogger(__name__)

T = TypeVar("T")

# Network failures after which a request may or may not have reached Twilio.
_NETWORK_ERRORS = (
    requests.exceptions.ConnectionError,
    requests.exceptions.Timeout,
    requests.exceptions.ChunkedEncodingError,
)


class RebasedHttpClient(TwilioHttpClient):
    """Sends every request to ``base_url`` instead of ``https://<product>.twilio.com``.

    The twilio library builds absolute URLs per domain (and per edge/region,
    and for paging), so rewriting at the HTTP client is the one place that
    catches them all.  A path in ``base_url`` becomes a prefix.
    """

    def __init__(self, base_url: str, timeout: float | None = None) -> None:
        super().__init__(timeout=timeout)
        parsed = urlsplit(base_url)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise ValueError(f"api_base_url must be an http(s) URL with a host, not {base_url!r}")
        self._scheme = parsed.scheme
        self._netloc = parsed.netloc
        self._prefix = parsed.path.rstrip("/")

    def rebase(self, url: str) -> str:
        parts = urlsplit(url)
        return urlunsplit(
            (self._scheme, self._netloc, self._prefix + parts.path, parts.query, parts.fragment)
        )

    def request(
        self,
        method: str,
        url: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> Response:
        return super().request(
            method,
            self.rebase(url),
            params=params,
            data=data,
            headers=headers,
            auth=auth,
            timeout=timeout,
            allow_redirects=allow_redirects,
        )


class TwilioTelephony:
    """``Telephony`` on Twilio's REST API (Calls, Calls/{Sid}, Queue Members).

    ``api_base_url`` (TWILIO_API_BASE_URL) sends every request elsewhere,
    e.g. to the local stand-in used by the tests.  ``sleep`` is injected so
    backoff is testable.
    """

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        api_base_url: str | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Clock | None = None,
        max_retries: int = 4,
        backoff_seconds: float = 1.0,
        max_backoff_seconds: float = 30.0,
        request_timeout: float = 10.0,
        lookup_limit: int = 50,
    ) -> None:
        http = (
            RebasedHttpClient(api_base_url, timeout=request_timeout)
            if api_base_url
            else TwilioHttpClient(timeout=request_timeout)
        )
        self._http = http
        self._client = Client(account_sid, auth_token, http_client=http)
        self._sleep = sleep
        self._clock: Clock = clock or SystemClock()
        self._max_retries = max_retries
        self._backoff = backoff_seconds
        self._max_backoff = max_backoff_seconds
        self._lookup_limit = lookup_limit

    def close(self) -> None:
        """Close pooled HTTP connections."""
        if self._http.session is not None:
            self._http.session.close()

    def place_call(
        self,
        *,
        to: str,
        from_: str,
        url: str,
        status_callback: str,
        idempotency_key: str,
        timeout: int = 30,
        caller_id: str | None = None,
        time_limit: int | None = None,
    ) -> PlacedCall:
        params: dict[str, Any] = {
            "to": to,
            "from_": from_,
            "url": url,
            "method": "POST",
            "status_callback": status_callback,
            "status_callback_event": list(STATUS_CALLBACK_EVENTS),
            "status_callback_method": "POST",
            "timeout": timeout,
        }
        if caller_id is not None:
            params["caller_id"] = caller_id
        if time_limit is not None:
            params["time_limit"] = time_limit
        try:
            call = self._run(lambda: self._client.calls.create(**params),
                             retry_unknown=False, retry_limited=False)
        except TelephonyUnavailable as exc:
            log.warning("creating call %s: Twilio's answer was lost (%s)", idempotency_key,
                        exc.reason)
            raise CallOutcomeUnknown(
                exc.code,
                f"Twilio answered the call's creation with an error ({exc.reason}); "
                "the call may have been created",
                False,
                status=exc.status,
            ) from exc
        return _placed(call)

    def redirect_call(self, call_sid: str, url: str) -> None:
        self._run(
            lambda: self._client.calls(call_sid).update(url=url, method="POST"),
            retry_unknown=True,
        )

    def hangup_call(self, call_sid: str) -> None:
        try:
            self._run(
                lambda: self._client.calls(call_sid).update(status="completed"),
                retry_unknown=True,
            )
        except CallNotInProgress:
            return

    def dequeue_member(self, queue_sid: str, call_sid: str, url: str) -> None:
        self._run(
            lambda: self._client.queues(queue_sid).members(call_sid).update(url=url, method="POST"),
            retry_unknown=True,
        )

    def find_calls(self, *, to: str, from_: str, started_after: float) -> list[PlacedCall]:
        # Not a StartTime filter: Twilio fills start_time only once a call is
        # dialed, so a call still queued would slip through it.  The list is
        # newest first; creation times are compared here instead.
        records = self._run(
            lambda: self._client.calls.list(
                to=to, from_=from_, limit=self._lookup_limit, page_size=self._lookup_limit
            ),
            retry_unknown=True,
        )
        floor = math.floor(started_after)  # Twilio's times have whole seconds
        found = [
            p for p in map(_placed, records) if p.created_at is not None and p.created_at >= floor
        ]
        return sorted(found, key=lambda p: p.created_at or 0.0, reverse=True)

    def _run(
        self, operation: Callable[[], T], *, retry_unknown: bool, retry_limited: bool = True
    ) -> T:
        """Run one REST operation, mapping failures to TelephonyError.

        20429 is retried when ``retry_limited``; 5xx and network failures only
        when ``retry_unknown`` (the operation is idempotent).  Bounded by
        max_retries.
        """
        attempt = 0
        while True:
            try:
                return operation()
            except TwilioRestException as exc:
                error = error_for_code(exc.code, exc.msg, exc.status)
            except TwilioServiceException as exc:  # RFC 9457 error bodies
                error = error_for_code(exc.code, exc.detail or exc.title, exc.status)
            except TwilioException as exc:  # a failed page of a list carries the response
                error = _error_from_response(exc)
            except _NETWORK_ERRORS as exc:
                error = TelephonyUnavailable(
                    None, f"Twilio could not be reached ({type(exc).__name__})", True
                )
            recorder().twilio_error(error.code, error.status)
            retry = (retry_limited and isinstance(error, RateLimited)) or (
                retry_unknown and isinstance(error, TelephonyUnavailable)
            )
            if not retry or attempt >= self._max_retries:
                raise error
            self._sleep(self._delay(attempt))
            attempt += 1

    def _delay(self, attempt: int) -> float:
        return float(min(self._backoff * (2**attempt), self._max_backoff))


def _error_from_response(exc: TwilioException) -> TelephonyError:
    response = next((a for a in exc.args if isinstance(a, Response)), None)
    if response is None:
        return TelephonyError(None, str(exc), False)
    try:
        body = json.loads(response.text)
    except ValueError:
        body = {}
    body = body if isinstance(body, dict) else {}
    code = body.get("code") if isinstance(body.get("code"), int) else None
    return error_for_code(code, str(body.get("message") or exc.args[0]), response.status_code)


def _placed(call: CallInstance) -> PlacedCall:
    created = call.date_created.timestamp() if call.date_created is not None else None
    return PlacedCall(
        sid=str(call.sid),
        status=CallStatus(str(call.status)),
        to=str(call.to or ""),
        from_=str(call._from or ""),
        created_at=created,
    )
