"""The one wiring point: every long-lived collaborator of a ringback process.

A web process, a worker and a scheduler each build one ``Services`` from the
settings.  Every domain object is assembled here, once per process, from the
five parts below (settings, Redis, database, clock, telephony) and handed its
collaborators through its constructor; the web edge, the jobs and the
scheduler only read the cached objects.  Nothing below the web layer reaches
for globals.  Routing's assembly, the largest, is ``services_routing``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import redis

from ringback.agents import AgentDirectory
from ringback.callbacks.dial_results import DialResults
from ringback.callbacks.enqueue import CallbackJobs, UnrecordedCallbacks
from ringback.callbacks.limits import CallbackLimits, Limits
from ringback.callbacks.listing import CallbackListing
from ringback.callbacks.metrics import CallbackMetrics
from ringback.callbacks.parts import (
    CallbackParts,
    allowed_countries_from,
    configured_queue_ids,
)
from ringback.callbacks.records import CallbackRecords
from ringback.callbacks.service import CallbackService
from ringback.callbacks.timers import QueueTimers, overflow_url
from ringback.callbacks.urls import OutboundUrls
from ringback.calls.index import CallIndex
from ringback.clock import Clock, SystemClock
from ringback.console.account_settings import AccountSettingsStore
from ringback.console.audit import AuditLog
from ringback.console.invitations import Invitations
from ringback.console.mail import Mailer, Outbox
from ringback.console.notices import Notices
from ringback.console.sessions import SessionStore
from ringback.console.throttle import LoginThrottle
from ringback.customers import CustomerDirectory
from ringback.customers.timeline import CallTimeline
from ringback.health import HealthCheck
from ringback.ivr.urls import UrlBuilder
from ringback.numbers import NumberDirectory
from ringback.queue.service import QueueService
from ringback.redis_connection import blocking_twin, connect, redis_url_for
from ringback.routing.endpoints import EndpointRules
from ringback.routing.wiring import Routing
from ringback.scheduler.deadlines import Deadlines
from ringback.scheduler.heartbeat import SchedulerHeartbeat
from ringback.services_routing import assemble_routing
from ringback.settings import Settings
from ringback.store.db import Database
from ringback.telephony import Telephony, build_telephony
from ringback.tickets import BuiltinTicketSink, TicketSink
from ringback.tickets.desk import TicketDesk
from ringback.tickets.listing import TicketListing
from ringback.tickets.my_queues import MyQueues
from ringback.tickets.sla import QueueSlas

if TYPE_CHECKING:
    from ringback.booking_bridge.bookings import BookingBook
    from ringback.booking_bridge.catalog import BookingCatalog
    from ringback.booking_bridge.listing import BookingListing
    from ringback.booking_bridge.notices import BookingNotices
    from ringback.booking_bridge.self_service import CallerAppointments
    from ringback.booking_bridge.slots import SlotFinder
    from ringback.calls.journey import CallJourney
    from ringback.helpdesk.events import CallEvents
    from ringback.helpdesk.outbox import HelpdeskOutbox
    from ringback.knowledge import KnowledgeBase
    from ringback.service_requests import RequestLog
    from ringback.service_requests.volume import VolumeReport
    from ringback.store.bookings import Booking
    from ringback.work_orders import ProblemCodes, WorkOrders


@dataclass
class Services:
    settings: Settings
    redis: redis.Redis
    db: Database
    clock: Clock
    telephony: Telephony

    @classmethod
    def from_settings(cls, settings: Settings, *, clock: Clock | None = None) -> Services:
        clock = clock or SystemClock()
        client = connect(redis_url_for(settings))
        return cls(
            settings=settings,
            redis=client,
            db=Database.from_url(settings.effective_database_url),
            clock=clock,
            telephony=build_telephony(settings, client, clock),
        )

    @cached_property
    def blocking_redis(self) -> redis.Redis:
        """A client of the same Redis for long blocking reads (the live board's
        ``XREAD BLOCK``, rq's dequeue), with its own pool: ``redis`` fails any
        command after two seconds, so that webhooks answer while Redis stalls."""
        return blocking_twin(self.redis)

    @cached_property
    def health(self) -> HealthCheck:
        """What ``/healthz`` reports: Redis, the database, workers and schedulers."""
        return HealthCheck(self.redis, self.db, self.clock)

    @cached_property
    def scheduler_heartbeat(self) -> SchedulerHeartbeat:
        """The scheduler process's sign of life (``/healthz`` reads it)."""
        return SchedulerHeartbeat(self.redis, self.clock)

    # Queues, numbers, people

    @cached_property
    def queue(self) -> QueueService:
        return QueueService(self.redis, self.clock)

    @cached_property
    def deadlines(self) -> Deadlines:
        return Deadlines(self.redis, self.clock)

    @cached_property
    def numbers(self) -> NumberDirectory:
        """One directory per process, so its cache of number configurations is shared."""
        return NumberDirectory(self.db, self.redis,
                               default_language=self.settings.default_language,
                               clock=self.clock)

    @cached_property
    def agents(self) -> AgentDirectory:
        """The people, with the endpoint rules below applied to every endpoint set."""
        return AgentDirectory(self.db, endpoint_rules=self.endpoint_rules)

    def endpoint_rules(self) -> EndpointRules:
        """The toll-fraud rules for agents' endpoints as the numbers are configured
        now: their callback countries (any while none is configured), never one of
        them, SIP only on ``RINGBACK_SIP_DOMAINS``."""
        lines = self.numbers.lines()
        return EndpointRules.of(lines.countries or None, lines.numbers,
                                self.settings.sip_domains)

    @cached_property
    def tickets(self) -> BuiltinTicketSink:
        """The built-in ticket store; helpdesk adapters implement its ``TicketSink`` side.
        Its tickets get the queue's SLA and the caller's customer user."""
        return BuiltinTicketSink(self.db, self.clock, customers=self.customers,
                                 slas=self.queue_slas)

    @cached_property
    def ticket_desk(self) -> TicketDesk:
        """The helpdesk agents work tickets through (same tables as ``tickets``)."""
        return TicketDesk(self.db, self.clock, self.queue_slas)

    @cached_property
    def ticket_listing(self) -> TicketListing:
        return TicketListing(self.db, self.clock)

    @cached_property
    def queue_slas(self) -> QueueSlas:
        """Each queue's ticket SLA and business hours."""
        return QueueSlas(self.db, self.clock)

    @cached_property
    def my_queues(self) -> MyQueues:
        """Each agent's chosen queues for ticket views."""
        return MyQueues(self.db)

    @cached_property
    def customers(self) -> CustomerDirectory:
        """Customers, their people and the caller lookup of the screen pop."""
        return CustomerDirectory(self.db)

    @cached_property
    def knowledge(self) -> KnowledgeBase:
        """Knowledge-base articles: search, versions and how often each was used."""
        from ringback.knowledge import KnowledgeBase

        return KnowledgeBase(self.db, self.clock)

    @cached_property
    def call_timeline(self) -> CallTimeline:
        """The calls of a customer user's numbers, the same for every agent."""
        return CallTimeline(self.db, self.clock, self.agents)

    @cached_property
    def helpdesk_outbox(self) -> HelpdeskOutbox:
        """Tickets, comments and call events bound for a helpdesk, retried until sent."""
        from ringback.helpdesk.jobs import HelpdeskJobs
        from ringback.helpdesk.outbox import HelpdeskOutbox

        return HelpdeskOutbox(self.db, self.clock, self.settings,
                              enqueue=HelpdeskJobs(self.redis).deliver)

    @cached_property
    def ticket_sink(self) -> TicketSink:
        """Where ringback files tickets: the built-in store, and the helpdesk the
        console's settings chose (through ``helpdesk_outbox``)."""
        from ringback.helpdesk.sink import HelpdeskTicketSink

        return HelpdeskTicketSink(self.tickets, self.helpdesk_outbox)

    @cached_property
    def call_events(self) -> CallEvents:
        """Call events for the signed CTI webhook; silent while it is not configured."""
        from ringback.helpdesk.events import CallEvents
        from ringback.helpdesk.jobs import HelpdeskJobs

        on = self.settings.cti_webhook_url and self.settings.cti_webhook_secret
        return CallEvents(HelpdeskJobs(self.redis).call_event if on else None)

    # Problem codes and work orders (ringback.work_orders)

    @cached_property
    def problem_codes(self) -> ProblemCodes:
        """The problem-code tree and each code's work-order template."""
        from ringback.work_orders import ProblemCodes

        return ProblemCodes(self.db)

    @cached_property
    def work_orders(self) -> WorkOrders:
        """Work orders; also sent to the signed work-order webhook when it is configured."""
        from ringback.work_orders import WorkOrders
        from ringback.work_orders.adapter import BuiltinAdapter, WebhookAdapter, WorkOrderAdapter

        s = self.settings
        adapter: WorkOrderAdapter = (
            WebhookAdapter(self.helpdesk_outbox)
            if s.work_order_webhook_url and s.work_order_webhook_secret else BuiltinAdapter())
        return WorkOrders(self.db, self.clock, self.problem_codes, adapter)

    # Call-centre requests (ringback.service_requests)

    @cached_property
    def service_requests(self) -> RequestLog:
        """Requests: logged at once, completed by type, joined to work orders."""
        from ringback.service_requests import RequestLog

        return RequestLog(self.db, self.clock, articles=self.knowledge,
                          codes=self.problem_codes, work_orders=self.work_orders)

    @cached_property
    def request_volume(self) -> VolumeReport:
        from ringback.service_requests.volume import VolumeReport

        return VolumeReport(self.db, self.problem_codes)

    # Bookings (ringback.booking_bridge)

    @cached_property
    def booking_catalog(self) -> BookingCatalog:
        """Locations, services, resources and their hours."""
        from ringback.booking_bridge.catalog import BookingCatalog

        return BookingCatalog(self.db)

    @cached_property
    def slots(self) -> SlotFinder:
        """Free slots of a service at a location."""
        from ringback.booking_bridge.slots import SlotFinder

        return SlotFinder(self.db, self.clock)

    @cached_property
    def bookings(self) -> BookingBook:
        """Booking, rescheduling and cancelling, with no double booking."""
        from ringback.booking_bridge.bookings import BookingBook

        return BookingBook(self.db, self.clock, self.slots)

    @cached_property
    def booking_listing(self) -> BookingListing:
        """Bookings with names and local times, for pages and mails."""
        from ringback.booking_bridge.listing import BookingListing

        return BookingListing(self.db)

    @cached_property
    def booking_notices(self) -> BookingNotices:
        """The booking mails (with .ics files) to customers and resources."""
        from ringback.booking_bridge.notices import BookingNotices

        return BookingNotices(self.db, self.mailer, self.clock,
                              public_base_url=self.settings.public_base_url,
                              sender=self.mailer.sender, listing=self.booking_listing)

    # Callbacks (ringback.callbacks)

    @cached_property
    def callback_jobs(self) -> CallbackJobs:
        """The rq jobs of the callback lifecycle, enqueued once per idempotency key."""
        return CallbackJobs(self.redis)

    @cached_property
    def callback_records(self) -> CallbackRecords:
        """The SQL records of callbacks and their attempts."""
        return CallbackRecords(self.db, self.clock)

    @cached_property
    def callbacks(self) -> CallbackService:
        """Requests (within the hourly limits), calls and declines of callbacks."""
        s = self.settings
        limits = Limits(per_caller=s.callback_limit_per_caller,
                        per_number=s.callback_limit_per_number,
                        per_prefix=s.callback_limit_per_prefix)
        return CallbackService(self.queue, self.deadlines,
                               expiry_seconds=s.callback_expiry_seconds,
                               jobs=self.callback_jobs,
                               limits=CallbackLimits(self.redis, self.clock, limits))

    @cached_property
    def callback_listing(self) -> CallbackListing:
        """The callbacks as the API and the console list them."""
        return CallbackListing(self.queue, self.callback_records, self.clock,
                               self.unrecorded_callbacks)

    @cached_property
    def unrecorded_callbacks(self) -> UnrecordedCallbacks:
        """Callbacks requested in Redis whose SQL record a job has yet to write."""
        return UnrecordedCallbacks(self.redis)

    @cached_property
    def outbound_urls(self) -> OutboundUrls:
        """The webhooks of an outbound callback call."""
        return OutboundUrls(self.settings.public_base_url)

    @cached_property
    def dial_results(self) -> DialResults:
        """What Twilio reported of each attempt's calls."""
        return DialResults(self.redis)

    @cached_property
    def callback_parts(self) -> CallbackParts:
        """The collaborators the callback lifecycle's jobs share."""
        return CallbackParts(
            queue=self.queue,
            deadlines=self.deadlines,
            records=self.callback_records,
            tickets=self.ticket_sink,
            telephony=self.telephony,
            agents=self.agents,
            urls=self.outbound_urls,
            clock=self.clock,
            allowed_countries=allowed_countries_from(self.numbers),
            expiry_seconds=self.settings.callback_expiry_seconds,
            own_numbers=self.numbers.own_numbers,
        )

    @cached_property
    def queue_timers(self) -> QueueTimers:
        """The max wait of live callers (the queue's deadline that is not routing's)."""
        return QueueTimers(self.queue, self.deadlines, self.telephony,
                           overflow_url(self.settings.public_base_url))

    def callback_metrics(self) -> CallbackMetrics:
        """The callback figures, looking for live callbacks in the queues the numbers
        name now (so built per report, not cached)."""
        return CallbackMetrics(self.db, self.queue, self.callback_records,
                               configured_queue_ids(self.numbers))

    # Calls: routing and the caller's journey

    @cached_property
    def routing(self) -> Routing:
        """Router, presence, offers and live calls (ringback.routing)."""
        return assemble_routing(self)

    @cached_property
    def ivr_urls(self) -> UrlBuilder:
        """The IVR's webhooks, as our TwiML hands them to Twilio."""
        return UrlBuilder(self.settings.public_base_url)

    @cached_property
    def journey(self) -> CallJourney:
        """The caller's way through the IVR and the queue; one per process, so its
        cache of hold rounds lives as long as the process."""
        # Imported here: the voicemail job's module imports the worker, which imports us.
        from ringback.calls.journey import CallJourney
        from ringback.calls.voicemail import VoicemailJobs

        return CallJourney(
            redis=self.redis,
            numbers=self.numbers,
            queue=self.queue,
            callbacks=self.callbacks,
            deadlines=self.deadlines,
            calls=CallIndex(self.redis),
            voicemails=VoicemailJobs(self.redis),
            clock=self.clock,
            urls=self.ivr_urls,
            route=self.routing.router.route,
            appointments=self.caller_appointments,
            call_event=lambda event, entry, **kw: self.call_events.emit(event, entry, **kw),
        )

    @cached_property
    def caller_appointments(self) -> CallerAppointments:
        """The IVR's booking self-service: a caller's next appointment, and cancelling it."""
        from ringback.booking_bridge.self_service import CallerAppointments

        def mail(cancelled: Sequence[Booking]) -> None:
            self.booking_notices.cancelled(cancelled)  # both mails, as the console's default

        return CallerAppointments(self.db, self.bookings, self.booking_listing,
                                  on_cancelled=mail)

    # The console's stores (ringback.console)

    @cached_property
    def sessions(self) -> SessionStore:
        return SessionStore(self.db, self.clock)

    @cached_property
    def login_throttle(self) -> LoginThrottle:
        return LoginThrottle(self.redis, self.clock)

    @cached_property
    def mailer(self) -> Mailer:
        return Mailer(self.settings, self.redis, self.clock)

    @cached_property
    def outbox(self) -> Outbox:
        return Outbox.of(self.settings)

    @cached_property
    def invitations(self) -> Invitations:
        return Invitations(self.db, self.clock, self.mailer, self.settings.public_base_url,
                           self.settings.secret_key)

    @cached_property
    def audit_log(self) -> AuditLog:
        return AuditLog(self.db, self.clock)

    @cached_property
    def account_settings(self) -> AccountSettingsStore:
        return AccountSettingsStore(self.db, self.clock)

    @cached_property
    def notices(self) -> Notices:
        return Notices(self.redis)

    def close(self) -> None:
        self.telephony.close()
        self.redis.close()
        if "blocking_redis" in self.__dict__:
            self.blocking_redis.close()
        self.db.dispose()
