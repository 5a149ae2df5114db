"""Customers (companies), customer users (their people) and caller lookup."""

from ringback.customers.directory import CustomerDirectory, CustomerUserMatch, Page
from ringback.customers.phones import PhoneNumberRefused, caller_e164, to_e164

__all__ = ["CustomerDirectory", "CustomerUserMatch", "Page", "PhoneNumberRefused",
           "caller_e164", "to_e164"]
