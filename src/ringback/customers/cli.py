"""`ringback import-customers FILE`: the API's CSV import from the command line."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def cmd_import_customers(args: argparse.Namespace) -> int:
    from ringback.customers.csv_import import MAX_IMPORT_BYTES, import_customer_users
    from ringback.data_dir import ensure_private
    from ringback.errors import ValidationError
    from ringback.settings import Settings, SettingsError
    from ringback.store.db import Database
    from ringback.store.migrate import upgrade

    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        print(f"ringback: {exc}", file=sys.stderr)
        return 2
    try:
        with Path(args.file).open("rb") as source:
            data = source.read(MAX_IMPORT_BYTES + 1)
    except OSError as exc:
        print(f"ringback: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return 2
    ensure_private(settings.data_dir)
    upgrade(settings.effective_database_url)
    db = Database.from_url(settings.effective_database_url)
    try:
        result = import_customer_users(db, data)
    except ValidationError as exc:
        for field, rule in exc.errors.items():
            print(f"ringback: {field}: {rule}", file=sys.stderr)
        print("ringback: nothing was imported; correct the file and run the import again",
              file=sys.stderr)
        return 2
    finally:
        db.dispose()
    print(f"ringback: {result.users} customer users imported, "
          f"{result.customers_created} new customers")
    return 0


def add_import_customers_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser(
        "import-customers",
        help="import customer users from a CSV file (customer,name,email,phones[,region]); "
             "every row or none")
    parser.add_argument("file", help="the CSV file, UTF-8, header first")
    parser.set_defaults(func=cmd_import_customers)
