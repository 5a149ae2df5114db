"""The `ringback` command: serve, web, worker, scheduler, db upgrade, import-customers,
demo-data."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from collections.abc import Sequence
from types import FrameType

from ringback.settings import Settings, SettingsError


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except SettingsError as exc:
        print(f"ringback: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


def _exit_on_sigterm() -> None:
    def handler(_signum: int, _frame: FrameType | None) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, handler)


def cmd_serve(args: argparse.Namespace) -> int:
    from ringback.supervisor import Supervisor

    return Supervisor(_settings(), web_workers=args.web_workers).run()


def cmd_worker(args: argparse.Namespace) -> int:
    from ringback.services import Services
    from ringback.worker import make_worker

    services = Services.from_settings(_settings())
    worker = make_worker(services, simple=not args.fork)
    worker.work(burst=args.burst, with_scheduler=False)
    return 0


def cmd_scheduler(_args: argparse.Namespace) -> int:
    from ringback.scheduler.runner import run_scheduler
    from ringback.services import Services

    _exit_on_sigterm()
    run_scheduler(Services.from_settings(_settings()))
    return 0


def cmd_db_upgrade(_args: argparse.Namespace) -> int:
    from ringback.data_dir import ensure_private
    from ringback.store.migrate import upgrade

    settings = _settings()
    ensure_private(settings.data_dir)
    upgrade(settings.effective_database_url)
    print("ringback: database is up to date")
    return 0


def cmd_check(_args: argparse.Namespace) -> int:
    _settings()
    print("ringback: settings are valid")
    return 0


def cmd_call(args: argparse.Namespace) -> int:
    from ringback.startup import call_address
    from ringback.webhooks.phone_command import run_call

    hold = args.hold_seconds
    if hold is None:
        hold = 0.0 if args.keys is not None else 1.0
    settings = _settings()
    named = any(os.environ.get(n) for n in ("RINGBACK_HOST", "RINGBACK_PORT", "PUBLIC_BASE_URL"))
    address = call_address(settings, args.url, address_set=named,
                           public_set=bool(os.environ.get("PUBLIC_BASE_URL")))
    return run_call(settings, args.to, args.from_, keys=args.keys, hold_seconds=hold,
                    address=address)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ringback", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="web, worker and scheduler in one command")
    serve.add_argument("--web-workers", type=int, default=1)
    serve.set_defaults(func=cmd_serve)

    worker = sub.add_parser("worker", help="an rq worker on ringback's queues")
    worker.add_argument("--burst", action="store_true", help="stop when the queues are empty")
    worker.add_argument(
        "--fork", action="store_true",
        help="run each job in a forked work horse (isolation at ~30 ms a job); "
             "by default jobs run in the worker process",
    )
    worker.set_defaults(func=cmd_worker)

    sub.add_parser("scheduler", help="the deadline scheduler").set_defaults(func=cmd_scheduler)
    sub.add_parser("check", help="validate the settings and exit").set_defaults(func=cmd_check)

    call = sub.add_parser("call", help="a terminal phone: call a number of a running ringback")
    call.add_argument("--to", required=True, help="the business number, E.164")
    call.add_argument("--from", dest="from_", help="the caller's number (default: an example)")
    call.add_argument("--url", help="where ringback answers, e.g. http://127.0.0.1:5311 "
                      "(default: the address `ringback serve` of this data folder printed)")
    call.add_argument("--keys", help="scripted keys per prompt, e.g. 1,,2 (empty = silence)")
    call.add_argument("--hold-seconds", type=float,
                      help="how long each hold-music round lasts (1, or 0 with --keys)")
    call.set_defaults(func=cmd_call)

    from ringback.console.owner import add_create_owner_parser

    add_create_owner_parser(sub)

    from ringback.customers.cli import add_import_customers_parser

    add_import_customers_parser(sub)

    from ringback.booking_bridge.demo import add_demo_data_parser

    add_demo_data_parser(sub)

    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="apply migrations").set_defaults(func=cmd_db_upgrade)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)  # one line per migration otherwise
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)
