"""Inbound calls: the caller's journey from the menu through the queue to a
callback, an overflow or a hang-up, behind Twilio's voice webhooks."""
