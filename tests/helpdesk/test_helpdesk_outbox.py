"""Each adapter's exact requests against a real HTTP stand-in, and nothing lost on failure."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import socket
from urllib.parse import parse_qs

import pytest

from ringback.helpdesk.clients import customer_center_url
from ringback.helpdesk.outbox import CTI, HelpdeskOutbox
from ringback.helpdesk.sink import HelpdeskTicketSink
from ringback.tickets import BuiltinTicketSink

PHONE = "+442071838750"


def _outbox(db, clock, settings, asked):
    return HelpdeskOutbox(db, clock, settings, enqueue=lambda row, n: asked.append((row, n)))


def _zendesk(settings, url):
    return settings.with_changes(zendesk_url=url, zendesk_email="bot@example.com",
                                 zendesk_token="zd-token")


def _znuny(settings, url):
    return settings.with_changes(znuny_url=url, znuny_webservice="Ringback",
                                 znuny_user="ringback", znuny_password="pw",
                                 znuny_customer_user="phone-callers")


def _basic(user, password):
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def _file(db, clock, outbox):
    sink = HelpdeskTicketSink(BuiltinTicketSink(db, clock), outbox)
    ref = sink.create_ticket(idempotency_key="callback:sales:1", subject="Callback",
                             requester=PHONE, description="Nobody called back.",
                             data={"queue": "sales"})
    sink.add_comment(ref.id, body="Callback attempt: no answer", internal=True,
                     idempotency_key="attempt:1")
    return sink, ref


def test_only_configured_systems_can_be_chosen_and_builtin_queues_nothing(db, clock, settings):
    asked: list = []
    outbox = _outbox(db, clock, settings, asked)
    assert outbox.configured() == ["builtin"]
    with pytest.raises(ValueError):
        outbox.choose("zendesk")
    _file(db, clock, outbox)
    assert asked == [] and outbox.unsent() == []


def test_zendesk_ticket_user_lookup_and_internal_comment(db, clock, settings, standin):
    asked: list = []
    outbox = _outbox(db, clock, _zendesk(settings, standin.url), asked)
    assert outbox.choose("zendesk") and outbox.chosen() == "zendesk"
    _file(db, clock, outbox)
    standin.answer(200, json.dumps({"users": [{"id": 77, "phone": PHONE}]}))
    standin.answer(201, json.dumps({"ticket": {"id": 35436}}))
    standin.answer(200, json.dumps({"ticket": {"id": 35436}}))
    ticket_row, comment_row = (row for row, _ in asked)
    assert outbox.deliver(ticket_row) and outbox.deliver(comment_row)

    search, create, comment = standin.seen
    auth = _basic("bot@example.com/token", "zd-token")
    assert (search.method, search.path) == ("GET", "/api/v2/users/search.json")
    assert parse_qs(search.query) == {"query": [f"phone:{PHONE}"]}
    assert (create.method, create.path) == ("POST", "/api/v2/tickets.json")
    assert create.headers["Idempotency-Key"] == "callback:sales:1"
    assert create.headers["Content-Type"] == "application/json"
    assert json.loads(create.body) == {"ticket": {
        "subject": "Callback", "comment": {"body": "Nobody called back.", "public": False},
        "external_id": "callback:sales:1", "tags": ["ringback"], "requester_id": 77}}
    assert (comment.method, comment.path) == ("PUT", "/api/v2/tickets/35436.json")
    assert json.loads(comment.body) == {"ticket": {"comment": {
        "body": "Callback attempt: no answer", "public": False}}}
    assert all(s.headers["Authorization"] == auth for s in standin.seen)
    assert outbox.unsent() == []


def test_znuny_ticket_create_update_and_customer_search(db, clock, settings, standin):
    asked: list = []
    outbox = _outbox(db, clock, _znuny(settings, standin.url), asked)
    outbox.choose("znuny")
    _file(db, clock, outbox)
    standin.answer(200, json.dumps({"CustomerUser": ["jdoe"]}))
    standin.answer(200, json.dumps({"TicketID": "981", "TicketNumber": "2027011510000017",
                                    "ArticleID": "4001"}))
    standin.answer(200, json.dumps({"TicketID": "981", "ArticleID": "4002"}))
    ticket_row, comment_row = (row for row, _ in asked)
    assert outbox.deliver(ticket_row) and outbox.deliver(comment_row)

    base = "/otrs/nph-genericinterface.pl/Webservice/Ringback"
    search, create, update = standin.seen
    login = {"UserLogin": "ringback", "Password": "pw"}
    assert (search.method, search.path) == ("POST", f"{base}/CustomerUserSearch")
    assert json.loads(search.body) == {**login, "CustomerUser": {"UserPhone": PHONE}}
    assert (create.method, create.path) == ("POST", f"{base}/Ticket")
    # No "From": Znuny's TicketCreate refuses a From that is not an e-mail address.
    assert json.loads(create.body) == {**login, "Ticket": {
        "Title": "Callback", "Queue": "Raw", "State": "new", "Priority": "3 normal",
        "CustomerUser": "jdoe"}, "Article": {
        "CommunicationChannel": "Phone", "SenderType": "customer", "IsVisibleForCustomer": 0,
        "Subject": "Callback", "Body": f"Nobody called back.\n\nCaller: {PHONE}",
        "ContentType": "text/plain; charset=utf8"}}
    assert (update.method, update.path) == ("PATCH", f"{base}/Ticket/981")
    assert json.loads(update.body) == {**login, "Article": {
        "CommunicationChannel": "Internal", "SenderType": "system", "IsVisibleForCustomer": 0,
        "Subject": "Note", "Body": "Callback attempt: no answer",
        "ContentType": "text/plain; charset=utf8"}}
    assert outbox.get(ticket_row).remote_id == "981"


def test_a_caller_no_znuny_customer_user_has_is_filed_for_the_configured_one(
    db, clock, settings, standin
):
    asked: list = []
    outbox = _outbox(db, clock, _znuny(settings, standin.url), asked)
    outbox.choose("znuny")
    _file(db, clock, outbox)
    not_found = {"Error": {"ErrorCode": "CustomerUserSearch.Operation failed",
                           "ErrorMessage": "CustomerUserSearch: Could not find customer user"}}
    standin.answer(200, json.dumps(not_found))  # nobody's phone
    standin.answer(200, json.dumps(not_found))  # nobody's mobile
    standin.answer(200, json.dumps({"TicketID": "982", "TicketNumber": "2027011510000018"}))
    assert outbox.deliver(asked[0][0])

    phone, mobile, create = standin.seen
    assert json.loads(phone.body)["CustomerUser"] == {"UserPhone": PHONE}
    assert json.loads(mobile.body)["CustomerUser"] == {"UserMobile": PHONE}
    assert json.loads(create.body)["Ticket"]["CustomerUser"] == "phone-callers"
    assert outbox.get(asked[0][0]).remote_id == "982"


def test_znuny_needs_a_customer_user_for_unknown_callers_to_be_chosen(db, clock, settings):
    without = _znuny(settings, "https://desk.example.com").with_changes(
        znuny_customer_user=None)
    outbox = _outbox(db, clock, without, [])
    assert outbox.configured() == ["builtin"]
    with pytest.raises(ValueError):
        outbox.choose("znuny")


def test_znuny_customer_center_url():
    assert customer_center_url("https://desk.example.com/", "j doe") == (
        "https://desk.example.com/otrs/index.pl?Action=AgentCustomerInformationCenter;"
        "CustomerUserID=j%20doe")


def test_a_znuny_error_in_a_200_answer_is_a_failure(db, clock, settings, standin):
    asked: list = []
    outbox = _outbox(db, clock, _znuny(settings, standin.url), asked)
    outbox.choose("znuny")
    _file(db, clock, outbox)
    standin.answer(200, json.dumps({"CustomerUser": ["jdoe"]}))
    standin.answer(200, json.dumps({"Error": {"ErrorCode": "TicketCreate.AuthFail",
                                              "ErrorMessage": "Authorization failing!"}}))
    assert not outbox.deliver(asked[0][0])
    assert "TicketCreate.AuthFail" in outbox.get(asked[0][0]).last_error


@pytest.mark.parametrize("status", [422, 503])
def test_4xx_and_5xx_keep_the_row_and_it_is_retried_later(db, clock, settings, standin,
                                                          status):
    asked: list = []
    outbox = _outbox(db, clock, _zendesk(settings, standin.url), asked)
    outbox.choose("zendesk")
    _file(db, clock, outbox)
    ticket_row, comment_row = (row for row, _ in asked)
    standin.answer(200, json.dumps({"users": []}))
    standin.answer(status, '{"error": "RecordInvalid"}')
    assert not outbox.deliver(ticket_row)
    assert not outbox.deliver(comment_row)  # its ticket is not there yet: nothing sent
    item = outbox.get(ticket_row)
    assert item.status == "pending" and item.attempts == 1
    assert f"HTTP {status}" in item.last_error
    assert "waiting for its ticket" in outbox.get(comment_row).last_error
    assert [i.id for i in outbox.unsent()] == [ticket_row, comment_row]
    assert outbox.due() == []  # backoff: not before 30 s
    clock.advance(31)
    assert outbox.sweep() == 2
    standin.answer(200, json.dumps({"users": []}))
    standin.answer(201, json.dumps({"ticket": {"id": 9}}))
    standin.answer(200, "{}")
    assert outbox.deliver(ticket_row) and outbox.deliver(comment_row)
    assert json.loads(standin.seen[3].body)["ticket"]["requester"] == {"name": PHONE}
    assert standin.seen[-1].path == "/api/v2/tickets/9.json"
    assert outbox.unsent() == []


def test_a_helpdesk_that_is_down_loses_nothing(db, clock, settings):
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        down = f"http://127.0.0.1:{sock.getsockname()[1]}"
    asked: list = []
    outbox = _outbox(db, clock, _zendesk(settings, down), asked)
    outbox.choose("zendesk")
    _file(db, clock, outbox)
    assert not outbox.deliver(asked[0][0])
    item = outbox.get(asked[0][0])
    assert "connection failed" in item.last_error and item.attempts == 1
    clock.advance(31)
    assert not outbox.deliver(asked[0][0])
    assert outbox.get(asked[0][0]).attempts == 2
    assert outbox.get(asked[0][0]).next_attempt_at.timestamp() == clock.now() + 60
    assert outbox.retry_now(asked[0][0]) and asked[-1] == (asked[0][0], 2)


def test_cti_webhook_is_form_encoded_and_signed(db, clock, settings, standin):
    asked: list = []
    secret = "cti-secret-0123456789"
    outbox = _outbox(db, clock, settings.with_changes(cti_webhook_url=standin.url + "/cti",
                                                      cti_webhook_secret=secret), asked)
    fields = {"event": "newCall", "from": PHONE, "to": "+442080000000", "direction": "in",
              "callId": "CA123", "user": "", "queue": "sales"}
    row = outbox.add(CTI, "event", "cti:newCall:CA123:", fields)
    assert outbox.add(CTI, "event", "cti:newCall:CA123:", fields) == row  # once per key
    standin.answer(200, "{}")
    assert outbox.deliver(row)
    seen = standin.seen[0]
    assert (seen.method, seen.path) == ("POST", "/cti")
    assert seen.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert {k: v[0] for k, v in parse_qs(seen.body.decode(), keep_blank_values=True).items()} \
        == fields
    expected = hmac.new(secret.encode(), seen.body, hashlib.sha256).hexdigest()
    assert seen.headers["X-Ringback-Signature"] == f"sha256={expected}"


def test_a_comment_follows_its_ticket_not_the_current_choice(db, clock, settings, standin):
    asked: list = []
    outbox = _outbox(db, clock, _zendesk(settings, standin.url), asked)
    sink = HelpdeskTicketSink(BuiltinTicketSink(db, clock), outbox)
    before = sink.create_ticket(idempotency_key="callback:sales:7", subject="Callback",
                                requester=PHONE, description="Filed in the built-in store.")
    outbox.choose("zendesk")
    after = sink.create_ticket(idempotency_key="callback:sales:8", subject="Callback",
                               requester=PHONE, description="Filed for Zendesk too.")
    outbox.choose("builtin")

    sink.add_comment(before.id, body="Never went to Zendesk: stays here", internal=True)
    sink.add_comment(after.id, body="Its ticket went to Zendesk", internal=True)

    assert [(i.target, i.kind) for i in outbox.unsent()] == [
        ("zendesk", "ticket"), ("zendesk", "comment")]
    assert outbox.ticket_targets(int(before.id)) == []
