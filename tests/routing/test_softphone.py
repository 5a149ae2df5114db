"""Access tokens for the browser softphone, minted with twilio's JWT helpers."""

from __future__ import annotations

import jwt
import pytest

from ringback.services import Services
from ringback.settings import Settings, SettingsError
from tests.e2e.live_desk import bearer
from tests.routing.conftest import make_desk

ACCOUNT = "AC" + "1" * 32
KEY = "SK" + "2" * 32
SECRET = "softphone-secret-0123456789abcdefgh"
APP = "AP" + "3" * 32


def test_the_api_key_settings_are_checked_and_go_together(tmp_path):
    base = {"RINGBACK_DATA_DIR": str(tmp_path), "SECRET_KEY": "s" * 20}
    full = Settings.from_env({**base, "TWILIO_API_KEY_SID": KEY, "TWILIO_API_KEY_SECRET": SECRET,
                              "TWILIO_TWIML_APP_SID": APP})
    assert (full.twilio_api_key_sid, full.twilio_api_key_secret, full.twilio_twiml_app_sid) == (
        KEY, SECRET, APP)
    assert Settings.from_env(base).twilio_api_key_sid is None
    for env, variable in [
        ({"TWILIO_API_KEY_SID": "AK123", "TWILIO_API_KEY_SECRET": SECRET}, "TWILIO_API_KEY_SID"),
        ({"TWILIO_API_KEY_SID": KEY}, "TWILIO_API_KEY_SECRET"),
        ({"TWILIO_API_KEY_SECRET": SECRET}, "TWILIO_API_KEY_SID"),
        ({"TWILIO_API_KEY_SID": KEY, "TWILIO_API_KEY_SECRET": "short"}, "TWILIO_API_KEY_SECRET"),
        ({"TWILIO_TWIML_APP_SID": "AP12"}, "TWILIO_TWIML_APP_SID"),
    ]:
        with pytest.raises(SettingsError) as refused:
            Settings.from_env({**base, **env})
        assert refused.value.variable == variable


@pytest.fixture
def keyed_desk(settings, services):
    keyed = settings.with_changes(twilio_account_sid=ACCOUNT, twilio_api_key_sid=KEY,
                                  twilio_api_key_secret=SECRET, twilio_twiml_app_sid=APP)
    return make_desk(keyed, Services(settings=keyed, redis=services.redis, db=services.db,
                                     clock=services.clock, telephony=services.telephony))


def test_an_agent_gets_a_token_for_its_own_softphone_identity(keyed_desk, clock):
    ana, token = keyed_desk.agent("Ana", endpoint="client:ana")

    answer = keyed_desk.client.get(f"/api/v1/agents/{ana}/softphone-token",
                                   headers=bearer(token))

    assert answer.status_code == 200
    body = answer.get_json()
    assert body["identity"] == "ana"
    claims = jwt.decode(body["token"], SECRET, algorithms=["HS256"],
                        options={"verify_exp": False, "verify_nbf": False})
    now = int(clock.now())
    assert (claims["iss"], claims["sub"], claims["nbf"], claims["exp"]) == (
        KEY, ACCOUNT, now, now + 3600)
    assert claims["grants"] == {"identity": "ana", "voice": {
        "incoming": {"allow": True}, "outgoing": {"application_sid": APP}}}
    assert jwt.get_unverified_header(body["token"])["cty"] == "twilio-fpa;v=1"


def test_softphone_tokens_only_for_the_agent_itself_and_only_for_a_softphone(keyed_desk):
    ana, _ = keyed_desk.agent("Ana", endpoint="client:ana")
    bo, bo_token = keyed_desk.agent("Bo")  # a desk phone

    other = keyed_desk.client.get(f"/api/v1/agents/{ana}/softphone-token",
                                  headers=bearer(bo_token))
    phone = keyed_desk.client.get(f"/api/v1/agents/{bo}/softphone-token",
                                  headers=bearer(bo_token))

    assert other.status_code == 403
    assert phone.status_code == 422
    assert phone.get_json()["errors"] == {
        "endpoint": "is not a softphone (client:identity) endpoint"}


def test_without_an_api_key_no_token_is_minted(desk):
    ana, token = desk.agent("Ana", endpoint="client:ana")
    answer = desk.client.get(f"/api/v1/agents/{ana}/softphone-token", headers=bearer(token))
    assert answer.status_code == 409
    assert "TWILIO_API_KEY_SID" in answer.get_json()["error"]
