"""Mail attachments (the booking bridge's .ics files): through the outbox, the
SMTP sender and the rq delivery job, and listed by name in the outbox."""

from __future__ import annotations

import pytest
from rq import Queue

from ringback.console.mail import (
    Attachment,
    Mailer,
    MailMessage,
    Outbox,
    SmtpConfig,
    SmtpSender,
    deliver_mail,
)
from ringback.errors import NotFound
from ringback.worker import WORK_QUEUES, make_worker
from tests.console.smtp_standin import SmtpStandIn

ICS = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"
INVITE = Attachment("booking-1.ics", "text/calendar; method=REQUEST", ICS)


def test_the_outbox_keeps_attachments_and_lists_their_names(services):
    mailer = Mailer(services.settings, services.redis, services.clock)
    mailer.send(MailMessage("ana@example.com", "Booked", "See the file\n", (INVITE,)))
    outbox = Outbox.of(services.settings)
    [mail] = outbox.all()
    assert mail.attachments == ("booking-1.ics",)
    assert mail.body == "See the file\n"
    found = outbox.attachment(mail.id, "booking-1.ics")
    assert (found.content_type, found.data) == ("text/calendar", ICS)
    with pytest.raises(NotFound):
        outbox.attachment(mail.id, "other.ics")
    with pytest.raises(NotFound):
        outbox.attachment("../x", "booking-1.ics")
    raw = (outbox.folder / f"{mail.id}.eml").read_text()
    assert 'method="REQUEST"' in raw or "method=REQUEST" in raw


def test_a_mail_without_attachments_lists_none(services):
    Mailer(services.settings, services.redis, services.clock).send(
        MailMessage("ana@example.com", "Hello", "Hi\n"))
    [mail] = Outbox.of(services.settings).all()
    assert mail.attachments == ()


def test_the_smtp_sender_sends_the_attachment(clock):
    with SmtpStandIn() as server:
        config = SmtpConfig(host="127.0.0.1", port=server.port, sender="rb@example.com",
                            security="none")
        message = MailMessage("ana@example.com", "Booked", "Hi\n", (INVITE,))
        SmtpSender(config, timeout=5).send(message.build(config.sender, clock.now()))
    [(_, _, mail)] = server.received
    [part] = list(mail.iter_attachments())
    assert part.get_filename() == "booking-1.ics"
    assert part.get_content_type() == "text/calendar"
    assert part.get_param("method") == "REQUEST"
    assert part.get_payload(decode=True) == ICS


def test_the_delivery_job_carries_attachments(services):
    Queue(WORK_QUEUES[0], connection=services.redis).enqueue(
        deliver_mail, "ana@example.com", "Queued", "Sent by the worker\n", [INVITE.as_args()])
    make_worker(services, simple=True).work(burst=True)
    outbox = Outbox.of(services.settings)
    [mail] = outbox.all()
    assert mail.attachments == ("booking-1.ics",)
    assert outbox.attachment(mail.id, "booking-1.ics").data == ICS
