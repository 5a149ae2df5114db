"""The helpdesks' REST clients: exact requests, every failure a ``HelpdeskError``.

Each call is one HTTP request with a timeout; a connection error, a 4xx or
5xx, or a body the helpdesk marks as an error raises ``HelpdeskError`` with a
short text for the outbox's "last error".
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, urlencode

import requests

TIMEOUT_SECONDS = 10.0
SIGNATURE_HEADER = "X-Ringback-Signature"


class HelpdeskError(Exception):
    """The helpdesk did not take the request; the text says why."""


class ZnunyNotFound(HelpdeskError):
    """Znuny's customer user search found nobody (an answer, not a failure)."""


NOT_FOUND = "Could not find customer user"


def _send(method: str, url: str, **kwargs: Any) -> requests.Response:
    try:
        response = requests.request(method, url, timeout=TIMEOUT_SECONDS, **kwargs)
    except requests.RequestException as exc:
        raise HelpdeskError(f"{method} {url}: connection failed: {exc.__class__.__name__}: "
                            f"{exc}"[:500]) from exc
    if response.status_code >= 400:
        raise HelpdeskError(f"{method} {url}: HTTP {response.status_code}: "
                            f"{response.text[:300]}")
    return response


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        raise HelpdeskError(f"HTTP {response.status_code}: not JSON: "
                            f"{response.text[:200]}") from None
    if not isinstance(body, dict):
        raise HelpdeskError("the answer is not a JSON object")
    return body


class ZendeskClient:
    """Zendesk Support's REST API v2, with an API token (``<email>/token:<token>``)."""

    def __init__(self, url: str, email: str, token: str) -> None:
        self._base = url.rstrip("/")
        self._auth = (f"{email}/token", token)

    def create_ticket(self, ticket: Mapping[str, Any], *, idempotency_key: str) -> str:
        """POST /api/v2/tickets.json with {"ticket": ...}; the new ticket's id.

        The ``Idempotency-Key`` header makes Zendesk answer a repeated creation (a
        retry after an answer that was lost) with the ticket it already made.
        """
        body = _json(_send("POST", f"{self._base}/api/v2/tickets.json",
                           json={"ticket": dict(ticket)}, auth=self._auth,
                           headers={"Idempotency-Key": idempotency_key[:255]}))
        try:
            return str(body["ticket"]["id"])
        except (KeyError, TypeError):
            raise HelpdeskError("Zendesk's answer names no ticket id") from None

    def add_comment(self, ticket_id: str, body: str, *, public: bool = False) -> None:
        """PUT /api/v2/tickets/{id}.json: an internal comment unless ``public``."""
        _send("PUT", f"{self._base}/api/v2/tickets/{quote(ticket_id, safe='')}.json",
              json={"ticket": {"comment": {"body": body, "public": public}}}, auth=self._auth)

    def users_by_phone(self, phone: str) -> list[dict[str, Any]]:
        """GET /api/v2/users/search.json?query=phone:<number>."""
        body = _json(_send("GET", f"{self._base}/api/v2/users/search.json",
                           params={"query": f"phone:{phone}"}, auth=self._auth))
        users = body.get("users")
        return [u for u in users if isinstance(u, dict)] if isinstance(users, list) else []


class ZnunyClient:
    """Znuny/OTRS GenericInterface REST, one web service (see docs/tickets.md).

    Routes: POST /Ticket (TicketCreate), PATCH /Ticket/:TicketID (TicketUpdate),
    POST /CustomerUserSearch (the CustomerUser::CustomerUserSearch operation of
    the GIExtension add-on; stock Znuny has no customer user search); the
    agent's UserLogin and Password travel in each body.  Znuny answers errors
    with HTTP 200 and an ``Error`` object, which counts as a failure too.
    """

    def __init__(self, url: str, webservice: str, user: str, password: str) -> None:
        self._root = url.rstrip("/")
        self._base = (f"{self._root}/otrs/nph-genericinterface.pl/Webservice/"
                      f"{quote(webservice, safe='')}")
        self._login = {"UserLogin": user, "Password": password}

    def _call(self, method: str, path: str, body: Mapping[str, Any]) -> dict[str, Any]:
        answer = _json(_send(method, self._base + path, json={**self._login, **body}))
        error = answer.get("Error")
        if error:
            code = error.get("ErrorCode", "") if isinstance(error, dict) else ""
            text = error.get("ErrorMessage", "") if isinstance(error, dict) else str(error)
            failure = ZnunyNotFound if NOT_FOUND in str(text) else HelpdeskError
            raise failure(f"Znuny: {code}: {text}"[:500])
        return answer

    def ticket_create(self, ticket: Mapping[str, Any], article: Mapping[str, Any]) -> str:
        answer = self._call("POST", "/Ticket", {"Ticket": dict(ticket), "Article": dict(article)})
        if not answer.get("TicketID"):
            raise HelpdeskError("Znuny's answer names no TicketID")
        return str(answer["TicketID"])

    def ticket_update_article(self, ticket_id: str, article: Mapping[str, Any]) -> str:
        answer = self._call("PATCH", f"/Ticket/{quote(ticket_id, safe='')}",
                            {"Article": dict(article)})
        return str(answer.get("ArticleID", ""))

    def customer_user_search(self, phone: str) -> list[str]:
        """The logins of the customer users whose phone, else whose mobile, is ``phone``:
        ``{"CustomerUser": {"UserPhone": ...}}``, answered ``{"CustomerUser": [...]}``
        or, when none has it, the error "Could not find customer user"."""
        for field in ("UserPhone", "UserMobile"):
            try:
                answer = self._call("POST", "/CustomerUserSearch",
                                    {"CustomerUser": {field: phone}})
            except ZnunyNotFound:
                continue
            logins = answer.get("CustomerUser")
            if isinstance(logins, str):
                logins = [logins]
            if isinstance(logins, list) and logins:
                return [str(login) for login in logins]
        return []

    def customer_center_url(self, customer_user_id: str) -> str:
        return customer_center_url(self._root, customer_user_id)


def customer_center_url(znuny_url: str, customer_user_id: str) -> str:
    """Znuny's own customer information center for one customer user."""
    return (f"{znuny_url.rstrip('/')}/otrs/index.pl?Action=AgentCustomerInformationCenter;"
            f"CustomerUserID={quote(customer_user_id, safe='')}")


def sign(secret: str, body: bytes) -> str:
    """The ``X-Ringback-Signature`` value: ``sha256=`` and the HMAC-SHA256 hex of the body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class CtiWebhook:
    """Call events, form-encoded as Zammad's generic CTI push API reads them, signed."""

    def __init__(self, url: str, secret: str) -> None:
        self._url = url
        self._secret = secret

    def push(self, fields: Mapping[str, str]) -> None:
        body = urlencode(list(fields.items())).encode()
        _send("POST", self._url, data=body, headers={
            "Content-Type": "application/x-www-form-urlencoded",
            SIGNATURE_HEADER: sign(self._secret, body),
        })
