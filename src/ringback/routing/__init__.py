"""Automatic call distribution: live callers and callbacks reach agents, on events.

See docs/routing.md.  ``Services.routing`` (``wiring.Routing``) holds the
router, the presence and offer services, the live-call connection and the
softphone token minting.
"""
