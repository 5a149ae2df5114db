"""Twilio's webhooks: signature check, parameter parsing, TwiML answers.

The call flow itself lives in ``ringback.calls``; see docs/webhooks.md.
"""

from ringback.webhooks.blueprint import register_webhooks

__all__ = ["register_webhooks"]
