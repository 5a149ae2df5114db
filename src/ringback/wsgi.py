"""Entry point for gunicorn: ``gunicorn 'ringback.wsgi:app_from_env()'``."""

from __future__ import annotations

from flask import Flask

from ringback.app import create_app
from ringback.settings import Settings


def app_from_env() -> Flask:
    return create_app(Settings.from_env())
