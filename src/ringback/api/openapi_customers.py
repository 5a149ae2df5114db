"""The customers part of the OpenAPI document of /api/v1: customers, customer
users, the caller lookup and the CSV import (``api/customers.py`` writes these
shapes: ``customer_json``, ``user_json``, ``match_json``, ``page_json``)."""

from __future__ import annotations

from typing import Any

from ringback.api.openapi_ops import PAGING, op, path_param, query
from ringback.api.openapi_schemas import E164, TIME, ref

_PERMISSION = "tickets"
_NULL_EMAIL = {"type": ["string", "null"], "format": "email"}
_NAMED = {"type": "object", "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
          "required": ["id", "name"]}
_SEARCH = [
    query("q", "name, e-mail or phone number (any format); % and _ match themselves"),
    query("region", "two-letter country of a national number in q (e.g. DE)"),
]
_CUSTOMER_ID = path_param("customer_id", "the customer's id", "integer")
_USER_ID = path_param("user_id", "the customer user's id", "integer")
_USER_FIELDS: dict[str, Any] = {
    "customer_id": {"type": "integer", "minimum": 1},
    "name": {"type": "string", "maxLength": 200},
    "email": _NULL_EMAIL,
    "phones": {"type": "array", "maxItems": 20, "items": {"type": "string"},
               "description": "any format; national numbers need region"},
    "region": {"type": "string", "description": "two-letter country for national numbers"},
    "location_id": {"type": ["integer", "null"], "minimum": 1,
                    "description": "set: a location-only customer of that location (never "
                                   "shown in the call centre); null: shared by every location"},
}
_LOCATION = query("location_id", "also the location-only customers of this location",
                  type="integer", minimum=1)


def _page(key: str, item: str) -> dict[str, Any]:
    return {"type": "object",
            "properties": {key: {"type": "array", "items": ref(item)},
                           "total": {"type": "integer"}, "limit": {"type": "integer"},
                           "offset": {"type": "integer"}},
            "required": [key, "total", "limit", "offset"]}


CUSTOMER_SCHEMAS: dict[str, Any] = {
    "Customer": {
        "type": "object",
        "properties": {"id": {"type": "integer"}, "name": {"type": "string"},
                       "email": _NULL_EMAIL, "created_at": TIME, "updated_at": TIME},
        "required": ["id", "name", "email", "created_at", "updated_at"],
    },
    "CustomerPage": _page("customers", "Customer"),
    "CustomerChange": {
        "type": "object", "additionalProperties": False,
        "properties": {"name": {"type": "string", "maxLength": 200}, "email": _NULL_EMAIL},
        "description": "POST needs name; PATCH changes the fields given.",
    },
    "CustomerUser": {
        "type": "object",
        "properties": {"id": {"type": "integer"}, "customer_id": {"type": "integer"},
                       "customer": _NAMED, "name": {"type": "string"}, "email": _NULL_EMAIL,
                       "phones": {"type": "array", "items": E164},
                       "location_id": {"type": ["integer", "null"]},
                       "created_at": TIME, "updated_at": TIME},
        "required": ["id", "customer_id", "customer", "name", "email", "phones",
                     "location_id", "created_at", "updated_at"],
    },
    "CustomerUserPage": _page("customer_users", "CustomerUser"),
    "CustomerUserChange": {
        "type": "object", "additionalProperties": False, "properties": _USER_FIELDS,
        "description": "POST needs customer_id and name; PATCH changes the fields given "
                       "(phones replaces the whole list).",
    },
    "CallerMatches": {
        "type": "object",
        "properties": {"matches": {"type": "array", "items": {
            "type": "object",
            "properties": {
                "customer_user": {"type": "object", "properties": {
                    "id": {"type": "integer"}, "name": {"type": "string"},
                    "email": _NULL_EMAIL}},
                "customer": _NAMED,
                "phone": E164,
            },
            "required": ["customer_user", "customer", "phone"],
        }}},
        "required": ["matches"],
    },
    "CustomerImport": {
        "type": "object",
        "properties": {"imported": {"type": "integer"},
                       "customers_created": {"type": "integer"}},
    },
}

CUSTOMER_PATHS: dict[str, Any] = {
    "/customers": {
        "get": op("listCustomers", "Customers (companies), by name",
                  ("200", "A page of customers", "CustomerPage"), permission=_PERMISSION,
                  params=[*_SEARCH, _LOCATION, *PAGING]),
        "post": op("createCustomer", "Add a customer", ("201", "The customer", "Customer"),
                   permission=_PERMISSION, body="CustomerChange"),
    },
    "/customers/{customer_id}": {
        "get": op("getCustomer", "One customer", ("200", "The customer", "Customer"),
                  permission=_PERMISSION, params=[_CUSTOMER_ID]),
        "patch": op("updateCustomer", "Change a customer's fields",
                    ("200", "The customer", "Customer"), permission=_PERMISSION,
                    params=[_CUSTOMER_ID], body="CustomerChange"),
        "delete": op("deleteCustomer", "Remove a customer that has no customer users",
                     ("204", "Removed", None), permission=_PERMISSION,
                     params=[_CUSTOMER_ID], conflict=True),
    },
    "/customer-users": {
        "get": op("listCustomerUsers", "Customer users (people), by name",
                  ("200", "A page of customer users", "CustomerUserPage"),
                  permission=_PERMISSION,
                  params=[*_SEARCH, query("customer_id", "only this customer's users",
                                          type="integer", minimum=1), _LOCATION, *PAGING]),
        "post": op("createCustomerUser", "Add a customer user",
                   ("201", "The customer user", "CustomerUser"), permission=_PERMISSION,
                   body="CustomerUserChange", conflict=True),
    },
    "/customer-users/{user_id}": {
        "get": op("getCustomerUser", "One customer user",
                  ("200", "The customer user", "CustomerUser"), permission=_PERMISSION,
                  params=[_USER_ID]),
        "patch": op("updateCustomerUser", "Change a customer user's fields",
                    ("200", "The customer user", "CustomerUser"), permission=_PERMISSION,
                    params=[_USER_ID], body="CustomerUserChange", conflict=True),
        "delete": op("deleteCustomerUser", "Remove a customer user and their numbers",
                     ("204", "Removed", None), permission=_PERMISSION, params=[_USER_ID]),
    },
    "/customer-users/lookup": {
        "get": op("lookUpCaller", "Who is calling: every customer user with this number",
                  ("200", "The matches, by name", "CallerMatches"), permission=_PERMISSION,
                  params=[query("phone", "the caller's number, any format") | {"required": True},
                          query("region", "two-letter country of a national number"),
                          _LOCATION]),
    },
    "/customer-users/import": {
        "post": op("importCustomerUsers", "Import customer users from CSV: every row or none",
                   ("201", "Imported", "CustomerImport"), permission=_PERMISSION,
                   conflict=True, description=(
                       "Body text/csv with the header customer,name,email,phones[,region]; "
                       "phones separated by ';'; at most 2 MB and 10,000 rows. A bad row "
                       "answers 422 naming 'row N, column'; nothing is stored then.")),
    },
}
CUSTOMER_PATHS["/customer-users/import"]["post"]["requestBody"] = {
    "required": True,
    "content": {"text/csv": {"schema": {"type": "string"}}},
}
