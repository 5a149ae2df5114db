"""The console's start page: who is signed in and the areas they may open."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue

from ringback.console.access import SIGNED_IN, access, require_viewer


def register(bp: Blueprint) -> None:
    @bp.get("/")
    @access(SIGNED_IN)
    def home() -> ResponseReturnValue:
        return render_template("console/home.html", me=require_viewer().agent)
