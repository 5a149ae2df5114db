"""The booking part of the OpenAPI document of /api/v1: locations, services,
resources with their hours and exceptions, free slots and bookings
(``api/bookings.py`` writes these shapes)."""

from __future__ import annotations

from typing import Any

from ringback.api.openapi_ops import op, path_param, query
from ringback.booking_bridge.validation import MAX_DURATION, MAX_PARTS, MAX_SPANS, MIN_DURATION
from ringback.store.bookings import (
    MAX_ADDRESS,
    MAX_NAME,
    MAX_NOTE,
    BookingStatus,
    ExceptionKind,
    HoursKind,
    ResourceKind,
    ServiceKind,
)

_PERMISSION = "bookings"
_LOCATION_ID = path_param("location_id", "the location's id", "integer")
_SERVICE_ID = path_param("service_id", "the service's id", "integer")
_RESOURCE_ID = path_param("resource_id", "the resource's id", "integer")
_BOOKING_ID = path_param("booking_id", "the booking's id", "integer")
_EXCEPTION_ID = path_param("exception_id", "the exception's id", "integer")
_HOURS_KIND = path_param("kind", "working or online (online booking hours)") | {
    "schema": {"type": "string", "enum": [k.value for k in HoursKind]}}
_ID = {"type": "integer", "minimum": 1}
_NULL_ID = {"type": ["integer", "null"]}
_HHMM = {"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$",
         "description": "HH:MM local time; 24:00 is the day's end"}
_NULL_HHMM = {"type": ["string", "null"],
              "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$"}
_LOCAL_TIME = {"type": "string", "format": "date-time",
               "description": "ISO 8601 with the location's offset (see time_zone)"}
_NULL_LOCAL_TIME = {"type": ["string", "null"], "format": "date-time"}
_NOTIFY = {"type": "boolean", "default": True}
_PASSWORD = {"type": "string", "description": "the calling agent's own password (the owner "
                                              "token needs none)"}


def _obj(properties: dict[str, Any], required: list[str] | None = None, *,
         closed: bool = False, description: str | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties,
                              "required": list(properties) if required is None else required}
    if closed:
        schema["additionalProperties"] = False
    if description:
        schema["description"] = description
    return schema


def _list(key: str, item: str) -> dict[str, Any]:
    return _obj({key: {"type": "array", "items": {"$ref": f"#/components/schemas/{item}"}}})


_SPAN = _obj({"weekday": {"type": "integer", "minimum": 0, "maximum": 6,
                          "description": "0 = Monday"},
              "start": _HHMM, "end": _HHMM}, closed=True)
_PART = _obj({"resource_id": {"type": "integer"}, "service_id": {"type": "integer"},
              "starts_at": _LOCAL_TIME, "ends_at": _LOCAL_TIME})

BOOKING_SCHEMAS: dict[str, Any] = {
    "Location": _obj({"id": {"type": "integer"}, "name": {"type": "string"},
                      "address": {"type": "string"}, "time_zone": {"type": "string"}}),
    "LocationList": _list("locations", "Location"),
    "LocationChange": _obj({
        "name": {"type": "string", "minLength": 1, "maxLength": MAX_NAME},
        "address": {"type": "string", "maxLength": MAX_ADDRESS},
        "time_zone": {"type": "string", "description": "IANA zone, e.g. Europe/Berlin"},
    }, [], closed=True, description="POST needs name and time_zone; PATCH changes the "
                                    "fields given."),
    "Service": _obj({
        "id": {"type": "integer"}, "name": {"type": "string"},
        "kind": {"type": "string", "enum": [k.value for k in ServiceKind]},
        "duration_minutes": {"type": "integer"},
        "location_id": {**_NULL_ID, "description": "set: local to that location"},
        "global": {"type": "boolean"},
        "location_ids": {"type": "array", "items": {"type": "integer"},
                         "description": "the locations that offer it"},
        "parts": {"type": "array", "items": {"type": "integer"},
                  "description": "a combined service's single services, in order"},
    }),
    "ServiceList": _list("services", "Service"),
    "ServiceChange": _obj({
        "name": {"type": "string", "minLength": 1, "maxLength": MAX_NAME},
        "kind": {"type": "string", "enum": [k.value for k in ServiceKind],
                 "default": "single"},
        "duration_minutes": {"type": "integer", "minimum": MIN_DURATION,
                             "maximum": MAX_DURATION, "description": "single services only"},
        "parts": {"type": "array", "items": _ID, "minItems": 2, "maxItems": MAX_PARTS,
                  "description": "combined services only: single services in order; the "
                                 "duration is their sum"},
        "location_ids": {"type": "array", "items": _ID, "uniqueItems": True},
        "location_id": {**_NULL_ID, "description": "POST only: local to this location "
                                                   "(never booked by the call centre)"},
    }, [], closed=True, description="POST needs name, and duration_minutes (single) or "
                                    "parts (combined); PATCH changes the fields given "
                                    "(kind and location_id stay)."),
    "Resource": _obj({
        "id": {"type": "integer"}, "location_id": {"type": "integer"},
        "name": {"type": "string"},
        "kind": {"type": "string", "enum": [k.value for k in ResourceKind]},
        "email": {"type": ["string", "null"], "format": "email"},
        "feed_url": {"type": "string", "format": "uri",
                     "description": "the private iCalendar feed of its bookings"},
    }),
    "ResourceList": _list("resources", "Resource"),
    "ResourceChange": _obj({
        "location_id": {**_ID, "description": "POST only"},
        "name": {"type": "string", "minLength": 1, "maxLength": MAX_NAME},
        "kind": {"type": "string", "enum": [k.value for k in ResourceKind],
                 "default": "staff"},
        "email": {"type": ["string", "null"], "format": "email"},
    }, [], closed=True, description="POST needs location_id and name; PATCH changes the "
                                    "fields given."),
    "WeeklyHours": _obj({"kind": {"type": "string", "enum": [k.value for k in HoursKind]},
                         "hours": {"type": "array", "items": _SPAN}}),
    "WeeklyHoursChange": _obj({"hours": {"type": "array", "items": _SPAN,
                                         "maxItems": MAX_SPANS}}, closed=True,
                              description="The whole week of this kind; spans of one "
                                          "weekday may not overlap."),
    "ResourceException": _obj({
        "id": {"type": "integer"}, "resource_id": {"type": "integer"},
        "day": {"type": "string", "format": "date"},
        "kind": {"type": "string", "enum": [k.value for k in ExceptionKind]},
        "start": _NULL_HHMM, "end": _NULL_HHMM, "note": {"type": "string"},
    }),
    "ResourceExceptionList": _list("exceptions", "ResourceException"),
    "NewResourceException": _obj({
        "day": {"type": "string", "format": "date"},
        "kind": {"type": "string", "enum": [k.value for k in ExceptionKind]},
        "start": _HHMM, "end": _HHMM,
        "note": {"type": "string", "maxLength": MAX_NAME},
    }, ["day", "kind"], closed=True, description=(
        "closed without start and end: the whole day; closed with them: that span; "
        "extra: hours added that day (start and end needed).")),
    "Slot": _obj({"starts_at": _LOCAL_TIME, "ends_at": _LOCAL_TIME,
                  "time_zone": {"type": "string"},
                  "parts": {"type": "array", "items": _PART}}),
    "SlotList": _obj({"time_zone": {"type": "string"},
                      "slots": {"type": "array",
                                "items": {"$ref": "#/components/schemas/Slot"}}}),
    "Booking": _obj({
        "id": {"type": "integer"},
        "status": {"type": "string", "enum": [s.value for s in BookingStatus]},
        "customer_user_id": {"type": "integer"}, "customer": {"type": "string"},
        "service_id": {"type": "integer"}, "service": {"type": "string"},
        "location_id": {"type": "integer"}, "location": {"type": "string"},
        "time_zone": {"type": "string", "description": "the location's IANA zone"},
        "starts_at": _LOCAL_TIME, "ends_at": _LOCAL_TIME,
        "resources": {"type": "array", "items": _obj({"id": {"type": "integer"},
                                                       "name": {"type": "string"}})},
        "parts": {"type": "array", "items": _PART},
        "note": {"type": "string", "description": "internal; mailed to the resource only"},
        "booked_by_agent_id": _NULL_ID,
        "call_ref": {"type": ["string", "null"]},
        "cancelled_at": _NULL_LOCAL_TIME,
    }),
    "BookingList": _list("bookings", "Booking"),
    "CustomerBookings": _obj({
        "upcoming": {"type": "array", "items": {"$ref": "#/components/schemas/Booking"}},
        "previous": {"type": "array", "items": {"$ref": "#/components/schemas/Booking"}},
        "locations": {"type": "array", "items": {"$ref": "#/components/schemas/Location"},
                      "description": "where the customer has booked"},
    }),
    "NewBookings": _obj({
        "customer_user_id": _ID, "service_id": _ID, "location_id": _ID,
        "starts": {"type": "array", "minItems": 1, "maxItems": 30,
                   "items": {"type": "string", "format": "date-time"},
                   "description": "free slots' starts; several only with Multiple Slot "
                                  "Selection on"},
        "note": {"type": "string", "maxLength": MAX_NOTE},
        "call_ref": {"type": ["string", "null"], "maxLength": 64,
                     "description": "the call it is booked in (<queue_id>:<entry_id>)"},
        "notify_customer": _NOTIFY, "notify_resource": _NOTIFY,
    }, ["customer_user_id", "service_id", "location_id", "starts"], closed=True),
    "Reschedule": _obj({
        "starts_at": {"type": "string", "format": "date-time"},
        "location_id": {**_ID, "description": "may only repeat the booking's location"},
        "password": _PASSWORD,
        "notify_customer": _NOTIFY, "notify_resource": _NOTIFY,
    }, ["starts_at"], closed=True),
    "CancelBookings": _obj({
        "booking_ids": {"type": "array", "items": _ID, "minItems": 1, "maxItems": 30,
                        "description": "bookings of one customer, all still booked"},
        "password": _PASSWORD,
        "notify_customer": _NOTIFY, "notify_resource": _NOTIFY,
    }, ["booking_ids"], closed=True),
}

_CANCEL_BOOKINGS = op(
    "cancelBookings", "Cancel up to 30 bookings of one customer at once",
    ("200", "The bookings, cancelled", "BookingList"), permission=_PERMISSION,
    body="CancelBookings", conflict=True, description=(
        "Needs the calling agent's password (422 naming password when wrong). Mails "
        "the customer and the resources unless notify_customer / notify_resource are "
        "false."))

BOOKING_PATHS: dict[str, Any] = {
    "/locations": {
        "get": op("listLocations", "Every location, by name",
                  ("200", "The locations", "LocationList"), permission=_PERMISSION),
        "post": op("createLocation", "Add a location",
                   ("201", "The location", "Location"), permission=_PERMISSION,
                   body="LocationChange"),
    },
    "/locations/{location_id}": {
        "get": op("getLocation", "One location", ("200", "The location", "Location"),
                  permission=_PERMISSION, params=[_LOCATION_ID]),
        "patch": op("updateLocation", "Change a location's fields",
                    ("200", "The location", "Location"), permission=_PERMISSION,
                    params=[_LOCATION_ID], body="LocationChange"),
        "delete": op("deleteLocation", "Remove a location with its resources and local "
                                       "services", ("204", "Removed", None),
                     permission=_PERMISSION, params=[_LOCATION_ID], conflict=True,
                     description="Refused (409) while it has bookings or location-only "
                                 "customers."),
    },
    "/services": {
        "get": op("listServices", "Services, by name", ("200", "The services", "ServiceList"),
                  permission=_PERMISSION, params=[
                      query("location_id", "only those this location offers",
                            type="integer", minimum=1),
                      query("scope", "only global or only local services", type="string",
                            enum=["global", "local"])]),
        "post": op("createService", "Add a single or combined service",
                   ("201", "The service", "Service"), permission=_PERMISSION,
                   body="ServiceChange"),
    },
    "/services/{service_id}": {
        "get": op("getService", "One service", ("200", "The service", "Service"),
                  permission=_PERMISSION, params=[_SERVICE_ID]),
        "patch": op("updateService", "Change a service's fields",
                    ("200", "The service", "Service"), permission=_PERMISSION,
                    params=[_SERVICE_ID], body="ServiceChange"),
        "delete": op("deleteService", "Remove a service", ("204", "Removed", None),
                     permission=_PERMISSION, params=[_SERVICE_ID], conflict=True,
                     description="Refused (409) while bookings or combined services use it."),
    },
    "/resources": {
        "get": op("listResources", "Resources (staff, rooms), by location and name",
                  ("200", "The resources", "ResourceList"), permission=_PERMISSION,
                  params=[query("location_id", "only this location's", type="integer",
                                minimum=1)]),
        "post": op("createResource", "Add a resource to a location",
                   ("201", "The resource", "Resource"), permission=_PERMISSION,
                   body="ResourceChange"),
    },
    "/resources/{resource_id}": {
        "get": op("getResource", "One resource", ("200", "The resource", "Resource"),
                  permission=_PERMISSION, params=[_RESOURCE_ID]),
        "patch": op("updateResource", "Change a resource's fields",
                    ("200", "The resource", "Resource"), permission=_PERMISSION,
                    params=[_RESOURCE_ID], body="ResourceChange"),
        "delete": op("deleteResource", "Remove a resource no booking took",
                     ("204", "Removed", None), permission=_PERMISSION,
                     params=[_RESOURCE_ID], conflict=True),
    },
    "/resources/{resource_id}/feed-token": {
        "post": op("renewFeedToken", "A new calendar feed URL; the old one stops working",
                   ("200", "The resource", "Resource"), permission=_PERMISSION,
                   params=[_RESOURCE_ID]),
    },
    "/resources/{resource_id}/hours/{kind}": {
        "get": op("getWeeklyHours", "A resource's working or online booking hours",
                  ("200", "The week", "WeeklyHours"), permission=_PERMISSION,
                  params=[_RESOURCE_ID, _HOURS_KIND]),
        "put": op("putWeeklyHours", "Replace a resource's week of working or online hours",
                  ("200", "The week", "WeeklyHours"), permission=_PERMISSION,
                  params=[_RESOURCE_ID, _HOURS_KIND], body="WeeklyHoursChange"),
    },
    "/resources/{resource_id}/exceptions": {
        "get": op("listResourceExceptions", "A resource's dated exceptions, by day",
                  ("200", "The exceptions", "ResourceExceptionList"), permission=_PERMISSION,
                  params=[_RESOURCE_ID]),
        "post": op("addResourceException", "Close a day (or part of it) or add hours",
                   ("201", "The exception", "ResourceException"), permission=_PERMISSION,
                   params=[_RESOURCE_ID], body="NewResourceException"),
    },
    "/resources/{resource_id}/exceptions/{exception_id}": {
        "delete": op("removeResourceException", "Remove an exception",
                     ("204", "Removed", None), permission=_PERMISSION,
                     params=[_RESOURCE_ID, _EXCEPTION_ID]),
    },
    "/slots": {
        "get": op("listSlots", "Free slots of a global service at a location",
                  ("200", "The slots, in time order", "SlotList"), permission=_PERMISSION,
                  params=[
                      query("service_id", "a global service", type="integer",
                            minimum=1) | {"required": True},
                      query("location_id", "a location that offers it", type="integer",
                            minimum=1) | {"required": True},
                      query("from", "first local day (default: today there)",
                            type="string", format="date"),
                      query("days", "how many days", type="integer", minimum=1,
                            maximum=62, default=7),
                      query("part_of_day", "morning (<12:00), afternoon, evening "
                                           "(>=17:00)", type="string",
                            enum=["morning", "afternoon", "evening"])],
                  description="From the resources' online booking hours, or their working "
                              "hours when the account's Resource Availability says so."),
    },
    "/bookings": {
        "get": op("listBookings", "A customer's bookings, or a location's calendar",
                  ("200", "CustomerBookings with customer_user_id, else BookingList",
                   "BookingListing"), permission=_PERMISSION, params=[
                      query("customer_user_id", "the customer's upcoming and previous "
                                                "bookings", type="integer", minimum=1),
                      query("location_id", "the location's booked bookings",
                            type="integer", minimum=1),
                      query("resource_id", "with location_id: only this resource's",
                            type="integer", minimum=1),
                      query("from", "with location_id: first local day (default today)",
                            type="string", format="date"),
                      query("days", "with location_id: how many days", type="integer",
                            minimum=1, maximum=62, default=7)]),
        "post": op("createBookings", "Book one or more free slots for a customer",
                   ("201", "The bookings, one per start", "BookingList"),
                   permission=_PERMISSION, body="NewBookings", conflict=True, description=(
                       "All or nothing; 409 when a slot was just taken. Mails the customer "
                       "and the resources unless notify_customer / notify_resource are "
                       "false.")),
    },
    "/bookings/cancel": {"post": _CANCEL_BOOKINGS},
    "/bookings/{booking_id}": {
        "get": op("getBooking", "One booking", ("200", "The booking", "Booking"),
                  permission=_PERMISSION, params=[_BOOKING_ID]),
        "patch": op("rescheduleBooking", "Move a booking to another free slot (same "
                                         "location)", ("200", "The booking", "Booking"),
                    permission=_PERMISSION, params=[_BOOKING_ID], body="Reschedule",
                    conflict=True, description=(
                        "Needs the calling agent's password (422 naming password when "
                        "wrong); the location cannot change. Mails as POST /bookings.")),
    },
}
BOOKING_SCHEMAS["BookingListing"] = {"oneOf": [{"$ref": "#/components/schemas/BookingList"},
                                               {"$ref": "#/components/schemas/CustomerBookings"}]}
