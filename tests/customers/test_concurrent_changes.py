"""A change that clashes with another process's change is a 409, never a crash."""

from __future__ import annotations

import pytest
from sqlalchemy import event, insert

from ringback.errors import Conflict
from ringback.store.customers import CustomerUser


def test_a_customer_given_a_user_while_it_is_deleted_is_kept(db, directory):
    acme = directory.create_customer({"name": "Acme"})
    fired = []

    def another_process_adds_a_user(conn, _cursor, statement, *_args):
        # Between the check "no users left" and the DELETE, another process
        # (a connection of its own) adds a user and commits.
        if statement.startswith("DELETE FROM customers") and not fired:
            fired.append(statement)
            with db.engine.connect() as other, other.begin():
                other.execute(insert(CustomerUser).values(customer_id=acme.id, name="Late"))

    event.listen(db.engine, "before_cursor_execute", another_process_adds_a_user)
    try:
        with pytest.raises(Conflict):
            directory.delete_customer(acme.id)
    finally:
        event.remove(db.engine, "before_cursor_execute", another_process_adds_a_user)
    assert fired
    assert directory.get_customer(acme.id).name == "Acme"
    assert [u.name for u in directory.list_users({}).items] == ["Late"]
