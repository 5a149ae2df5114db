"""Mail: the outbox folder, the SMTP sender and the delivery job."""

from __future__ import annotations

import os

import pytest
from rq import Queue

from ringback.console.mail import (
    Mailer,
    MailMessage,
    Outbox,
    SmtpConfig,
    SmtpSender,
    deliver_mail,
    smtp_config,
)
from ringback.errors import NotFound
from ringback.worker import WORK_QUEUES, make_worker
from tests.console.smtp_standin import SmtpStandIn


def test_without_smtp_settings_mail_is_written_to_the_outbox(services):
    assert smtp_config(services.settings) is None
    mailer = Mailer(services.settings, services.redis, services.clock)
    assert mailer.uses_outbox
    mailer.send(MailMessage("ana@example.com", "Hello", "Line one\nhttps://x.example/a\n"))
    outbox = Outbox.of(services.settings)
    [mail] = outbox.all()
    assert outbox.folder == services.settings.data_dir / "outbox"
    assert (mail.to, mail.subject) == ("ana@example.com", "Hello")
    assert mail.body == "Line one\nhttps://x.example/a\n"
    assert mail.date is not None and mail.date.timestamp() == services.clock.now()
    path = outbox.folder / f"{mail.id}.eml"
    assert oct(os.stat(path).st_mode & 0o777) == "0o600"


def test_outbox_ids_cannot_leave_the_folder(services):
    outbox = Outbox.of(services.settings)
    with pytest.raises(NotFound):
        outbox.get("../secret_key")
    with pytest.raises(NotFound):
        outbox.get("20270101T000000-deadbeef")


def test_the_outbox_lists_the_newest_first(services, clock):
    mailer = Mailer(services.settings, services.redis, services.clock)
    mailer.send(MailMessage("a@example.com", "First", "1"))
    mailer.send(MailMessage("a@example.com", "Second", "2"))
    clock.advance(60)
    mailer.send(MailMessage("a@example.com", "Third", "3"))
    assert [m.subject for m in Outbox.of(services.settings).all()] == ["Third", "Second", "First"]


def test_the_smtp_sender_hands_the_mail_to_the_server(clock):
    with SmtpStandIn() as server:
        config = SmtpConfig(host="127.0.0.1", port=server.port, sender="rb@example.com",
                            security="none")
        message = MailMessage("ana@example.com", "Your ringback account", "Hi Ana\n")
        SmtpSender(config, timeout=5).send(message.build(config.sender, clock.now()))
    [(sender, recipients, mail)] = server.received
    assert sender == "rb@example.com" and recipients == ["ana@example.com"]
    assert mail["Subject"] == "Your ringback account"
    assert mail.get_content().replace("\r\n", "\n") == "Hi Ana\n"


def test_the_delivery_job_runs_in_a_worker_and_falls_back_to_the_outbox(services):
    Queue(WORK_QUEUES[0], connection=services.redis).enqueue(
        deliver_mail, "ana@example.com", "Queued", "Sent by the worker\n")
    make_worker(services, simple=True).work(burst=True)
    [mail] = Outbox.of(services.settings).all()
    assert (mail.to, mail.subject) == ("ana@example.com", "Queued")
