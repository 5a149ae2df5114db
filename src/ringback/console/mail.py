"""E-mail from ringback: through SMTP when it is set up, else into an outbox.

Without SMTP settings every mail is written as an ``.eml`` file to the
``outbox`` folder of the data folder, and the console lists them, so a
small installation can hand out invitation links without a mail server.
With SMTP, mails go out as rq jobs with retries, so a slow or failing mail
server never holds up a page.
"""

from __future__ import annotations

import os
import re
import secrets
import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime, make_msgid, parsedate_to_datetime
from pathlib import Path
from urllib.parse import urlparse

import redis

from ringback.clock import Clock
from ringback.data_dir import create_private_file, ensure_private
from ringback.errors import NotFound
from ringback.settings import Settings
from ringback.store.console import from_epoch

_MAIL_ID = re.compile(r"^\d{8}T\d{6}-[0-9a-f]{8}$")


@dataclass(frozen=True)
class Attachment:
    """A file sent with a mail, e.g. ``invite.ics`` as ``text/calendar; method=REQUEST``
    (parameters after the type are kept)."""

    filename: str
    content_type: str
    data: bytes

    def as_args(self) -> tuple[str, str, bytes]:
        """Plain values for an rq job's arguments."""
        return (self.filename, self.content_type, self.data)


@dataclass(frozen=True)
class MailMessage:
    """A plain-text mail to one person, with any attachments."""

    to: str
    subject: str
    body: str
    attachments: tuple[Attachment, ...] = ()

    def build(self, sender: str, when: float) -> EmailMessage:
        message = EmailMessage()
        message["From"] = sender
        message["To"] = self.to
        message["Subject"] = self.subject
        message["Date"] = format_datetime(from_epoch(when))
        message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
        message.set_content(self.body)
        for item in self.attachments:
            kind, *rest = item.content_type.split(";")
            maintype, _, subtype = kind.strip().partition("/")
            params = dict(p.strip().partition("=")[::2] for p in rest if "=" in p)
            message.add_attachment(item.data, maintype=maintype or "application",
                                   subtype=subtype or "octet-stream", filename=item.filename,
                                   params=params or None)
        return message


@dataclass(frozen=True)
class OutboxMail:
    """A mail as the console shows it from the outbox folder."""

    id: str
    to: str
    sender: str
    subject: str
    body: str
    date: datetime | None
    attachments: tuple[str, ...] = ()  # the files' names


class Outbox:
    """The folder of mails written instead of sent: one ``.eml`` file each."""

    def __init__(self, folder: Path) -> None:
        self._folder = folder

    @classmethod
    def of(cls, settings: Settings) -> Outbox:
        return cls(settings.data_dir / "outbox")

    @property
    def folder(self) -> Path:
        return self._folder

    def write(self, message: EmailMessage, when: float) -> str:
        """Store the mail (readable by the owner of the process only); its id."""
        ensure_private(self._folder)
        mail_id = f"{from_epoch(when):%Y%m%dT%H%M%S}-{secrets.token_hex(4)}"
        path = self._folder / f"{mail_id}.eml"
        partial = path.with_suffix(".part")
        if not create_private_file(partial, message.as_bytes()):
            raise FileExistsError(partial)
        os.replace(partial, path)
        return mail_id

    def all(self) -> list[OutboxMail]:
        """Every mail in the outbox, the newest first."""
        if not self._folder.is_dir():
            return []
        # Written order: the clock's second, then the file's own time within it.
        paths = sorted(self._folder.glob("*.eml"),
                       key=lambda p: (p.stem[:15], p.stat().st_mtime_ns), reverse=True)
        return [self.get(p.stem) for p in paths if _MAIL_ID.match(p.stem)]

    def get(self, mail_id: str) -> OutboxMail:
        raw = self._raw(mail_id)
        parsed = BytesParser(policy=policy.default).parsebytes(raw)
        body = parsed.get_body(preferencelist=("plain",))
        date = parsed.get("Date")
        return OutboxMail(
            id=mail_id,
            to=str(parsed.get("To", "")),
            sender=str(parsed.get("From", "")),
            subject=str(parsed.get("Subject", "")),
            body=body.get_content() if body is not None else "",  # type: ignore[attr-defined]
            date=parsedate_to_datetime(str(date)) if date else None,
            attachments=tuple(part.get_filename() or "attachment"
                              for part in parsed.iter_attachments()),  # type: ignore[attr-defined]
        )

    def attachment(self, mail_id: str, filename: str) -> Attachment:
        """One attachment of an outbox mail, by its file name."""
        raw = self._raw(mail_id)
        parsed = BytesParser(policy=policy.default).parsebytes(raw)
        for part in parsed.iter_attachments():  # type: ignore[attr-defined]
            if part.get_filename() == filename:
                data = part.get_payload(decode=True)
                return Attachment(filename, part.get_content_type(),
                                  data if isinstance(data, bytes) else b"")
        raise NotFound("attachment", filename)

    def _raw(self, mail_id: str) -> bytes:
        if not _MAIL_ID.match(mail_id):
            raise NotFound("mail", mail_id)
        try:
            return (self._folder / f"{mail_id}.eml").read_bytes()
        except FileNotFoundError:
            raise NotFound("mail", mail_id) from None


@dataclass(frozen=True)
class SmtpConfig:
    """Where mail goes out: security is ``starttls``, ``ssl`` or ``none``."""

    host: str
    port: int
    sender: str
    username: str | None = None
    password: str | None = None
    security: str = "starttls"


def smtp_config(settings: Settings) -> SmtpConfig | None:
    """The SMTP settings, or None when SMTP_HOST is unset (mails go to the outbox)."""
    if not settings.smtp_host:
        return None
    return SmtpConfig(
        host=settings.smtp_host,
        port=settings.smtp_port,
        sender=settings.smtp_from or default_sender(settings),
        username=settings.smtp_username,
        password=settings.smtp_password,
        security=settings.smtp_security,
    )


def default_sender(settings: Settings) -> str:
    host = urlparse(settings.public_base_url).hostname or "localhost"
    return f"ringback@{host}"


class SmtpSender:
    """Hands one mail to an SMTP server."""

    def __init__(self, config: SmtpConfig, *, timeout: float = 20.0) -> None:
        self._config = config
        self._timeout = timeout

    def send(self, message: EmailMessage) -> None:
        c = self._config
        client: smtplib.SMTP
        if c.security == "ssl":
            context = ssl.create_default_context()
            client = smtplib.SMTP_SSL(c.host, c.port, timeout=self._timeout, context=context)
        else:
            client = smtplib.SMTP(c.host, c.port, timeout=self._timeout)
        with client:
            if c.security == "starttls":
                client.starttls(context=ssl.create_default_context())
            if c.username:
                client.login(c.username, c.password or "")
            client.send_message(message)


class Mailer:
    """Sends ringback's mails: queued for SMTP, or written to the outbox at once."""

    def __init__(self, settings: Settings, redis_client: redis.Redis, clock: Clock) -> None:
        self._settings = settings
        self._redis = redis_client
        self._clock = clock
        self._smtp = smtp_config(settings)

    @property
    def uses_outbox(self) -> bool:
        return self._smtp is None

    @property
    def sender(self) -> str:
        """The From address of ringback's mails."""
        return self._smtp.sender if self._smtp else default_sender(self._settings)

    def send(self, mail: MailMessage) -> None:
        if self._smtp is None:
            message = mail.build(default_sender(self._settings), self._clock.now())
            Outbox.of(self._settings).write(message, self._clock.now())
            return
        from rq import Queue, Retry

        from ringback.worker import WORK_QUEUES

        Queue(WORK_QUEUES[0], connection=self._redis).enqueue(
            deliver_mail, mail.to, mail.subject, mail.body,
            [item.as_args() for item in mail.attachments],
            retry=Retry(max=5, interval=[10, 60, 300, 900, 3600]),
        )


def deliver_mail(to: str, subject: str, body: str,
                 attachments: Sequence[tuple[str, str, bytes]] = ()) -> None:
    """rq job: send one mail with the worker's SMTP settings (the outbox without them).
    ``attachments`` are (file name, content type, bytes)."""
    from ringback.worker import job_services

    services = job_services()
    config = smtp_config(services.settings)
    now = services.clock.now()
    mail = MailMessage(to, subject, body,
                       tuple(Attachment(name, kind, data) for name, kind, data in attachments))
    if config is None:
        message = mail.build(default_sender(services.settings), now)
        Outbox.of(services.settings).write(message, now)
        return
    SmtpSender(config).send(mail.build(config.sender, now))
