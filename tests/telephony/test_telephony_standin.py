"""The Twilio stand-in itself: it must reject what Twilio's contract rejects,
and answer what the contract documents, or the adapter tests prove nothing."""

from __future__ import annotations

import pytest
import requests

from ringback.clock import ManualClock
from tests.twilio_standin import Contract, TwilioStandIn

AGENT = "+493012345678"
BUSINESS = "+493098765432"


def _calls_url(standin: TwilioStandIn) -> str:
    return f"{standin.base_url}/2010-04-01/Accounts/{standin.account_sid}/Calls.json"


def _post(standin: TwilioStandIn, url: str, data: object) -> requests.Response:
    with requests.Session() as session:
        return session.post(url, data=data, auth=(standin.account_sid, standin.auth_token))


def _valid_call(**changes: object) -> dict[str, object]:
    form: dict[str, object] = {"To": AGENT, "From": BUSINESS, "Url": "https://rb.example.com/t"}
    form.update(changes)
    return {k: v for k, v in form.items() if v is not None}


def test_standin_rejects_an_unknown_parameter(twilio_standin: TwilioStandIn) -> None:
    answer = _post(twilio_standin, _calls_url(twilio_standin), _valid_call(Colour="blue"))

    assert answer.status_code == 400
    assert answer.json()["code"] == 20001
    assert "Colour" in answer.json()["message"]
    assert twilio_standin.violations == ["CreateCall: Colour is not a parameter of this operation"]
    assert twilio_standin.calls == []


@pytest.mark.parametrize(
    ("changes", "parameter", "code"),
    [
        ({"From": None}, "From", 21213),
        ({"To": None}, "To", 21201),
        ({"To": "12345"}, "To", 21211),
        ({"From": "business"}, "From", 21212),
        ({"Url": "not a url"}, "Url", 21205),
        ({"Method": "PUT"}, "Method", 20001),
        ({"Timeout": "soon"}, "Timeout", 20001),
        ({"StatusCallback": "ftp://rb.example.com/s"}, "StatusCallback", 20001),
        ({"ApplicationSid": "AP123"}, "ApplicationSid", 20001),
        ({"Record": "yes"}, "Record", 20001),
        ({"Twiml": "<Say>hi</Say>"}, "Twiml", 20001),
        ({"To": [AGENT, BUSINESS]}, "To", 21211),
    ],
)
def test_standin_rejects_a_contract_violation(
    twilio_standin: TwilioStandIn, changes: dict[str, object], parameter: str, code: int
) -> None:
    answer = _post(twilio_standin, _calls_url(twilio_standin), _valid_call(**changes))

    assert answer.status_code == 400
    assert answer.json() == {
        "code": code,
        "message": answer.json()["message"],
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": 400,
    }
    assert f"'{parameter}'" in answer.json()["message"]
    assert twilio_standin.violations and parameter in twilio_standin.violations[0]
    assert twilio_standin.calls == []


def test_standin_accepts_a_valid_create_and_answers_the_documented_shape(
    twilio_standin: TwilioStandIn,
) -> None:
    form = _valid_call(StatusCallbackEvent=["initiated", "completed"], Timeout="20")
    answer = _post(twilio_standin, _calls_url(twilio_standin), form)

    assert answer.status_code == 201
    body = answer.json()
    assert body["sid"].startswith("CA") and len(body["sid"]) == 34
    assert (body["status"], body["to"], body["from"]) == ("queued", AGENT, BUSINESS)
    assert twilio_standin.violations == []
    assert twilio_standin.call(body["sid"]).status_callback_events == ["initiated", "completed"]


def test_standin_requires_the_account_credentials(twilio_standin: TwilioStandIn) -> None:
    with requests.Session() as session:
        answer = session.post(_calls_url(twilio_standin), data=_valid_call(),
                              auth=(twilio_standin.account_sid, "wrong"))

    assert answer.status_code == 401
    assert answer.json()["code"] == 20003
    assert twilio_standin.calls == []


def test_standin_rejects_a_malformed_call_sid_in_the_path(twilio_standin: TwilioStandIn) -> None:
    url = _calls_url(twilio_standin).replace("Calls.json", "Calls/42.json")
    answer = _post(twilio_standin, url, {"Url": "https://rb.example.com/t"})

    assert answer.status_code == 400
    assert "UpdateCall: Sid must match ^CA[0-9a-fA-F]{32}$" in twilio_standin.violations


def test_standin_records_every_request_with_all_form_values(
    twilio_standin: TwilioStandIn,
) -> None:
    _post(twilio_standin, _calls_url(twilio_standin),
          _valid_call(StatusCallbackEvent=["ringing", "answered"]))

    (recorded,) = twilio_standin.requests_for("CreateCall")
    assert recorded.method == "POST"
    assert recorded.status == 201
    assert recorded.form["StatusCallbackEvent"] == ["ringing", "answered"]
    assert recorded.form["To"] == [AGENT]


def test_programmed_failure_after_apply_creates_the_call_then_answers_500(
    twilio_standin: TwilioStandIn,
) -> None:
    twilio_standin.fail_next("CreateCall", status=500, after_apply=True)

    first = _post(twilio_standin, _calls_url(twilio_standin), _valid_call())
    second = _post(twilio_standin, _calls_url(twilio_standin), _valid_call())

    assert (first.status_code, first.json()["code"]) == (500, 20500)
    assert second.status_code == 201
    assert len(twilio_standin.calls) == 2


def test_programmed_failure_before_apply_creates_nothing(twilio_standin: TwilioStandIn) -> None:
    twilio_standin.fail_next("CreateCall", status=429, code=20429, times=2)

    answers = [_post(twilio_standin, _calls_url(twilio_standin), _valid_call()).status_code
               for _ in range(3)]

    assert answers == [429, 429, 201]
    assert len(twilio_standin.calls) == 1


def test_dropped_connection_gives_the_client_a_connection_error(
    twilio_standin: TwilioStandIn,
) -> None:
    twilio_standin.fail_next("CreateCall", drop_connection=True, after_apply=True)

    with pytest.raises(requests.ConnectionError):
        _post(twilio_standin, _calls_url(twilio_standin), _valid_call())
    assert len(twilio_standin.calls) == 1


def test_list_filters_by_number_and_pages_newest_first(
    twilio_standin: TwilioStandIn, clock: ManualClock
) -> None:
    for _ in range(3):
        _post(twilio_standin, _calls_url(twilio_standin), _valid_call())
        clock.advance(10)
    _post(twilio_standin, _calls_url(twilio_standin), _valid_call(To="+4940111222"))

    with requests.Session() as session:
        page = session.get(_calls_url(twilio_standin), params={"To": AGENT, "PageSize": 2},
                           auth=(twilio_standin.account_sid, twilio_standin.auth_token)).json()

    oldest_first = [c.sid for c in twilio_standin.calls if c.to == AGENT]
    assert [c["sid"] for c in page["calls"]] == oldest_first[::-1][:2]
    assert "Page=1" in page["next_page_uri"] and "To=%2B493012345678" in page["next_page_uri"]
    assert twilio_standin.violations == []


def test_contract_checker_reports_a_body_that_departs_from_the_schema() -> None:
    contract = Contract()
    found = contract.operation("GET", f"/2010-04-01/Accounts/AC{'1' * 32}/Calls/CA{'2' * 32}.json")
    assert found is not None
    op, params = found
    assert params["Sid"] == "CA" + "2" * 32

    problems = contract.check_response(
        op, 200, {"sid": "XX1", "status": "ringing-ish", "date_created": "yesterday", "mood": 1}
    )

    assert problems == [
        "$.sid must match ^CA[0-9a-fA-F]{32}$",
        "$.status must be one of ['queued', 'ringing', 'in-progress', 'completed', 'busy', "
        "'failed', 'no-answer', 'canceled']",
        "$.date_created is not an RFC 2822 date",
        "$.mood is not in the schema",
    ]


def test_standin_reports_call_progress_to_the_status_callback_like_twilio(
    twilio_standin: TwilioStandIn,
) -> None:
    form = _valid_call(StatusCallback="https://rb.example.com/status?attempt=a1",
                       StatusCallbackEvent=["initiated", "answered", "completed"])
    sid = _post(twilio_standin, _calls_url(twilio_standin), form).json()["sid"]
    twilio_standin.set_call_status(sid, "ringing")  # not asked for: not reported
    twilio_standin.set_call_status(sid, "in-progress")
    twilio_standin.set_call_status(sid, "completed")

    sent: list[tuple[str, dict[str, str]]] = []
    assert twilio_standin.deliver_status_callbacks(lambda u, p: sent.append((u, p))) == 3

    assert {url for url, _ in sent} == {"https://rb.example.com/status?attempt=a1"}
    assert [(p["CallStatus"], p["SequenceNumber"]) for _, p in sent] == [
        ("initiated", "0"), ("in-progress", "1"), ("completed", "2")]
    assert all(p["CallSid"] == sid and p["AccountSid"] == twilio_standin.account_sid
               for _, p in sent)
    assert twilio_standin.pending_status_callbacks() == []


def test_standin_rate_limit_storm_refuses_until_it_passes(
    twilio_standin: TwilioStandIn, clock: ManualClock
) -> None:
    twilio_standin.rate_limit_storm("CreateCall", 10)

    during = [_post(twilio_standin, _calls_url(twilio_standin), _valid_call())
              for _ in range(3)]
    clock.advance(10)
    after = _post(twilio_standin, _calls_url(twilio_standin), _valid_call())

    assert [(a.status_code, a.json()["code"]) for a in during] == [(429, 20429)] * 3
    assert after.status_code == 201
    assert len(twilio_standin.calls) == 1
