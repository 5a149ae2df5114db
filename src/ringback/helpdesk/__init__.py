"""Helpdesk integrations behind the ticket interface: Zendesk, Znuny/OTRS and a
signed CTI webhook (Zammad's generic CTI shape), all delivered through the
``helpdesk_outbox`` table so that nothing is lost while a helpdesk is down."""
