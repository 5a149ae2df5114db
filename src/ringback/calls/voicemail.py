"""Voicemails left at overflow become tickets, in an rq job.

The webhook that receives the recording only enqueues the job (ticket
creation must not run inline, nor fail the call); the job files one ticket
per call, however often the webhook or the job runs.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from ringback.jobs import UniqueJobs, unique_job_id
from ringback.tickets import TicketRef
from ringback.tickets.validation import normalise_requester
from ringback.worker import WORK_QUEUES, job_services

VOICEMAIL_SUBJECT = "Voicemail"
JOB_RETRIES = 3
JOB_TIMEOUT_SECONDS = 60


@dataclass(frozen=True)
class Voicemail:
    """A recording a caller left after the maximum wait, and whose call it was."""

    call_sid: str
    caller: str
    dialled: str
    queue_id: str
    recording_url: str
    duration_seconds: int | None = None


class VoicemailJobs:
    """Enqueues ``file_voicemail_ticket`` once per call (rq's unique job id)."""

    def __init__(self, redis: Any, queue_name: str = WORK_QUEUES[0]) -> None:
        self._jobs = UniqueJobs(redis, "ringback.calls.voicemail", timeout=JOB_TIMEOUT_SECONDS,
                                queue_name=queue_name)

    def enqueue(self, voicemail: Voicemail) -> None:
        # The same recording reported twice: the first job files it.
        self._jobs.enqueue("file_voicemail_ticket",
                           unique_job_id("voicemail", "ticket", voicemail.call_sid), (),
                           JOB_RETRIES, kwargs=asdict(voicemail))


def file_voicemail_ticket(**fields: Any) -> str:
    """The rq job: one "Voicemail" ticket per call; returns the ticket id."""
    voicemail = Voicemail(**fields)
    services = job_services()
    description = f"Voicemail left after the maximum wait: {voicemail.recording_url}"
    requester = normalise_requester(voicemail.caller)
    if requester is None:
        # A withheld caller cannot be the requester; the ticket still records the message.
        requester = voicemail.dialled
        description += f"\nThe caller's number was withheld ({voicemail.caller or 'none'})."
    ref: TicketRef = services.ticket_sink.create_ticket(  # the chosen helpdesk too
        idempotency_key=f"voicemail:{voicemail.call_sid}",
        subject=VOICEMAIL_SUBJECT,
        requester=requester,
        description=description,
        data={
            "caller": voicemail.caller,
            "number_dialled": voicemail.dialled,
            "queue": voicemail.queue_id,
            "recording_url": voicemail.recording_url,
            "duration_seconds": voicemail.duration_seconds,
            "call_sid": voicemail.call_sid,
        },
    )
    return ref.id
