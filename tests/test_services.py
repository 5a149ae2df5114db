"""``Services`` is the one wiring point: each collaborator is built once per process
and every object that needs it gets that same one (issue 16, "Along the way")."""

from __future__ import annotations

from ringback.services import Services


def test_each_collaborator_is_built_once_and_shared(services: Services) -> None:
    parts = services.callback_parts
    assert services.callback_parts is parts
    assert services.queue_timers is services.queue_timers
    assert services.routing is services.routing
    assert services.journey is services.journey
    shared = {"queue": services.queue, "deadlines": services.deadlines,
              "records": services.callback_records, "tickets": services.ticket_sink,
              "agents": services.agents, "urls": services.outbound_urls,
              "telephony": services.telephony, "clock": services.clock}
    assert [name for name, one in shared.items() if getattr(parts, name) is not one] == []
    # The sink callbacks file through keeps the one built-in store underneath.
    assert services.ticket_sink._builtin is services.tickets


def test_the_web_edge_reaches_the_services_the_app_was_given(app, services) -> None:
    from ringback.api import services as api_services
    from ringback.console.context import services as console_services
    from ringback.webhooks.context import services as webhook_services

    with app.test_request_context():
        assert api_services() is services
        assert console_services() is services
        assert webhook_services() is services
