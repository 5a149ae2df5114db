"""The helpdesk settings from the environment: a helpdesk is choosable once all its
variables are set, and a bad value names the variable and the rule."""

from __future__ import annotations

import pytest

from ringback.helpdesk.outbox import configured_systems
from ringback.settings import Settings, SettingsError

ZENDESK = {"RINGBACK_ZENDESK_URL": "https://acme.zendesk.com",
           "RINGBACK_ZENDESK_EMAIL": "bot@acme.example",
           "RINGBACK_ZENDESK_TOKEN": "zd-api-token"}
ZNUNY = {"RINGBACK_ZNUNY_URL": "https://desk.acme.example",
         "RINGBACK_ZNUNY_WEBSERVICE": "Ringback",
         "RINGBACK_ZNUNY_USER": "ringback",
         "RINGBACK_ZNUNY_PASSWORD": "secret",
         "RINGBACK_ZNUNY_CUSTOMER_USER": "phone-callers"}


def _settings(tmp_path, **values: str) -> Settings:
    return Settings.from_env({"RINGBACK_DATA_DIR": str(tmp_path), **values})


def test_each_helpdesk_is_choosable_once_all_its_variables_are_set(tmp_path):
    assert configured_systems(_settings(tmp_path)) == ["builtin"]
    assert configured_systems(_settings(tmp_path, **ZENDESK, **ZNUNY)) == [
        "builtin", "zendesk", "znuny"]
    for name in [*ZENDESK, *ZNUNY]:
        missing = {k: v for k, v in {**ZENDESK, **ZNUNY}.items() if k != name}
        assert len(configured_systems(_settings(tmp_path, **missing))) == 2, name
    s = _settings(tmp_path, **ZNUNY, RINGBACK_CTI_WEBHOOK_URL="https://zammad.acme/api/v1/cti/t",
                  RINGBACK_CTI_WEBHOOK_SECRET="cti-secret-0123456789")
    assert (s.znuny_customer_user, s.cti_webhook_url) == (
        "phone-callers", "https://zammad.acme/api/v1/cti/t")


@pytest.mark.parametrize(("variable", "value", "rule"), [
    ("RINGBACK_ZENDESK_URL", "acme.zendesk.com", "must be a URL starting with https://"),
    ("RINGBACK_ZENDESK_EMAIL", "bot", "must be an e-mail address"),
    ("RINGBACK_ZNUNY_URL", "ftp://desk.acme.example", "must be a URL starting with https://"),
    ("RINGBACK_CTI_WEBHOOK_URL", "zammad/api/v1/cti/t", "must be a URL starting with https://"),
    ("RINGBACK_CTI_WEBHOOK_SECRET", "short", "at least 16 characters"),
])
def test_a_bad_helpdesk_setting_names_the_variable_and_the_rule(tmp_path, variable, value,
                                                                 rule):
    with pytest.raises(SettingsError) as refused:
        _settings(tmp_path, **{variable: value})
    assert variable in str(refused.value) and rule in str(refused.value)
