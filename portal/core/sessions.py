"""Django's database sessions, with the save of an existing session as one statement.

Django's `db` engine saves a changed session in a transaction of its own: BEGIN, UPDATE,
COMMIT, three round trips to PostgreSQL after every request that touched the session (each
step of a kiosk filing, its submit). The transaction only matters for a new session, whose
INSERT may collide with another's key; an existing one is a single UPDATE, which PostgreSQL
runs atomically in autocommit. Nothing else differs: the same table, the same encoding, and
a session deleted meanwhile (a logout or the kiosk's wipe in another tab) still raises
UpdateError, which SessionMiddleware answers as it does for Django's engine.
"""

from __future__ import annotations

from django.contrib.sessions.backends.base import UpdateError
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.db import router


class SessionStore(DatabaseSessionStore):
    def save(self, must_create: bool = False) -> None:
        if self.session_key is None or must_create:
            super().save(must_create=must_create)
            return
        data = self._get_session(no_load=False)  # type: ignore[attr-defined]
        using = router.db_for_write(self.model)
        updated = (
            self.model._default_manager.db_manager(using)
            .filter(session_key=self.session_key)
            .update(session_data=self.encode(data), expire_date=self.get_expiry_date())
        )
        if not updated:
            raise UpdateError
