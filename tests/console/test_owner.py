"""The first owner: `ringback create-owner` and the first-run setup page."""

from __future__ import annotations

import io
import sys

import pytest

from ringback.agents import AgentDirectory
from ringback.cli import main
from ringback.console.owner import SETUP_CODE_FILE, setup_code
from tests.console.conftest import OWNER_EMAIL, OWNER_PASSWORD, csrf_from, log_in


@pytest.fixture
def cli_env(monkeypatch, settings, database_url):
    monkeypatch.setenv("RINGBACK_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("SECRET_KEY", settings.secret_key)


def run_create_owner(monkeypatch, email: str, password: str) -> int:
    monkeypatch.setattr(sys, "stdin", io.StringIO(password + "\n"))
    return main(["create-owner", "--email", email, "--name", "Olivia Owner", "--password-stdin"])


def test_create_owner_on_the_command_line_then_log_in(cli_env, monkeypatch, capsys, app, db):
    assert run_create_owner(monkeypatch, "Owner@Example.com", OWNER_PASSWORD) == 0
    assert "owner@example.com is the owner" in capsys.readouterr().out
    owner = AgentDirectory(db).by_email(OWNER_EMAIL)
    assert owner.role == "owner"
    assert log_in(app.test_client(), OWNER_EMAIL, OWNER_PASSWORD).status_code == 302


def test_a_second_owner_is_refused_on_the_command_line(cli_env, monkeypatch, capsys, db):
    assert run_create_owner(monkeypatch, OWNER_EMAIL, OWNER_PASSWORD) == 0
    assert run_create_owner(monkeypatch, "other@example.com", OWNER_PASSWORD) == 1
    assert "already has an owner" in capsys.readouterr().err
    assert AgentDirectory(db).count() == 1


def test_a_weak_password_is_refused_on_the_command_line(cli_env, monkeypatch, capsys, db):
    assert run_create_owner(monkeypatch, OWNER_EMAIL, "short") == 2
    assert "password must be from 10 to 200 characters long" in capsys.readouterr().err
    assert AgentDirectory(db).count() == 0


def test_the_setup_page_needs_the_code_from_the_data_folder(app, settings, db):
    client = app.test_client()
    page = client.get("/console/setup").get_data(as_text=True)
    code_file = settings.data_dir / SETUP_CODE_FILE
    assert str(code_file) in page
    fields = {"name": "Olivia Owner", "email": OWNER_EMAIL, "password": OWNER_PASSWORD,
              "repeat": OWNER_PASSWORD}
    wrong = client.post("/console/setup", data={"csrf_token": csrf_from(page),
                                                "setup_code": "guess", **fields})
    assert wrong.status_code == 422
    assert AgentDirectory(db).count() == 0
    right = client.post("/console/setup", data={"csrf_token": csrf_from(page),
                                                "setup_code": setup_code(settings.data_dir),
                                                **fields})
    assert right.status_code == 302
    assert AgentDirectory(db).by_email(OWNER_EMAIL).role == "owner"
    assert not code_file.exists()
    assert log_in(client, OWNER_EMAIL, OWNER_PASSWORD).status_code == 302


def test_the_setup_page_closes_once_an_owner_exists(app, owner):
    response = app.test_client().get("/console/setup")
    assert response.status_code == 302
    assert response.headers["Location"] == "/console/login"


def test_the_log_in_page_points_to_the_setup_while_there_is_no_owner(app):
    page = app.test_client().get("/console/login").get_data(as_text=True)
    assert "ringback create-owner" in page and 'href="/console/setup"' in page
