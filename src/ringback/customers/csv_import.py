"""CSV import of customer users: all rows or none.

Columns (header first, in any order): ``customer``, ``name``, ``email``,
``phones`` (several separated by ";") and optionally ``region``, the country
the row's national numbers are written in. The customer column names the
customer user's company: an existing customer of that name (case ignored) or
a new one. Rows are named by their line in the file (the header is row 1),
as a spreadsheet numbers them.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ringback.customers.directory import CustomerDirectory
from ringback.customers.validation import user_fields
from ringback.errors import Conflict, ValidationError
from ringback.store.customers import MAX_NAME, Customer
from ringback.store.db import Database
from ringback.tickets.validation import text_field

MAX_IMPORT_BYTES = 2 * 1024 * 1024
MAX_IMPORT_ROWS = 10_000
REQUIRED_COLUMNS = ("customer", "name", "email", "phones")
COLUMNS = (*REQUIRED_COLUMNS, "region")
# Report this many bad rows at most: enough to fix a file, small enough to read.
MAX_REPORTED = 50


@dataclass(frozen=True)
class ImportResult:
    users: int
    customers_created: int


def import_customer_users(db: Database, data: bytes) -> ImportResult:
    """Check every row of ``data`` (CSV), then store them all in one transaction."""
    rows = parse_rows(data)
    try:
        return _store(db, rows)
    except IntegrityError:
        raise Conflict("a customer named in the file was deleted during the import; "
                       "nothing was imported, run it again") from None


def _store(db: Database, rows: list[tuple[int, str, dict[str, Any]]]) -> ImportResult:
    with db.session() as session:
        customers: dict[str, int] = {}
        created = 0
        errors: dict[str, str] = {}
        for line, customer_name, _fields in rows:
            key = customer_name.lower()
            if key in customers:
                continue
            found = session.scalars(select(Customer.id)
                                    .where(func.lower(Customer.name) == key)).all()
            if len(found) > 1:
                errors[f"row {line}, customer"] = (f"names {len(found)} customers; rename one "
                                                   "of them so the name says which")
                continue
            if found:
                customers[key] = found[0]
            else:
                customer = Customer(name=customer_name)
                session.add(customer)
                session.flush()
                customers[key] = customer.id
                created += 1
        if errors:
            raise ValidationError(errors)  # rolls the new customers back
        CustomerDirectory.add_users(session, [
            {**fields, "customer_id": customers[name.lower()]} for _, name, fields in rows])
    return ImportResult(users=len(rows), customers_created=created)


def parse_rows(data: bytes) -> list[tuple[int, str, dict[str, Any]]]:
    """(row number, customer name, checked user fields) of each row, or one ValidationError."""
    if len(data) > MAX_IMPORT_BYTES:
        raise ValidationError({"body": f"must be at most {MAX_IMPORT_BYTES // (1024 * 1024)} MB "
                                       "of CSV; split the file"})
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError({"body": "must be CSV text in UTF-8"}) from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    _check_header(reader.fieldnames)
    rows: list[tuple[int, str, dict[str, Any]]] = []
    errors: dict[str, str] = {}
    try:
        for record in reader:
            line = reader.line_num
            if len(rows) >= MAX_IMPORT_ROWS:
                raise ValidationError({"body": f"must hold at most {MAX_IMPORT_ROWS} rows; "
                                               "split the file"})
            row = _row(record, line, errors)
            if row is not None:
                rows.append(row)
            if len(errors) >= MAX_REPORTED:
                break
    except csv.Error as broken:
        errors[f"row {reader.line_num}"] = f"is not valid CSV ({broken})"
    if errors:
        raise ValidationError(errors)
    if not rows:
        raise ValidationError({"body": "holds no rows after the header"})
    return rows


def _check_header(fieldnames: Any) -> None:
    names = [str(n).strip().lower() for n in fieldnames or []]
    missing = [c for c in REQUIRED_COLUMNS if c not in names]
    unknown = [n for n in names if n not in COLUMNS]
    if missing or unknown or len(set(names)) != len(names):
        raise ValidationError({"header": "must name the columns " + ", ".join(REQUIRED_COLUMNS)
                               + " and optionally region, each once"
                               + (f" (missing: {', '.join(missing)})" if missing else "")
                               + (f" (unknown: {', '.join(unknown)})" if unknown else "")})


def _row(record: Mapping[Any, Any], line: int,
         errors: dict[str, str]) -> tuple[int, str, dict[str, Any]] | None:
    cells = {str(k).strip().lower(): (v or "").strip() for k, v in record.items()
             if k is not None}
    if None in record:
        errors[f"row {line}"] = f"has more cells than the header's {len(cells)} columns"
        return None
    if not any(cells.values()):
        return None  # a blank line
    mine: dict[str, str] = {}
    customer = text_field(mine, "customer", cells.get("customer", ""), max_len=MAX_NAME,
                          required=True)
    phones = [p for p in (cells.get("phones") or "").split(";") if p.strip()]
    payload = {"customer_id": 1, "name": cells.get("name", ""), "email": cells.get("email"),
               "phones": phones, "region": cells.get("region") or None}
    fields: dict[str, Any] = {}
    try:
        fields = user_fields(payload, partial=False)
    except ValidationError as refused:
        mine.update(refused.errors)
    for field, rule in mine.items():
        column, _, index = field.partition("[")
        where = f", number {int(index.rstrip(']')) + 1}" if index else ""
        errors[f"row {line}, {column}{where}"] = rule
    if mine:
        return None
    fields.pop("customer_id")
    return line, customer, fields

