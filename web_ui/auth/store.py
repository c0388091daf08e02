"""The web process's own data: accounts, sessions, login attempts and the audit log.

It lives in one SQLite file beside the engine's data (`web.sqlite3`), the only thing the
web process writes. Passwords are argon2 hashes; sessions are random tokens stored
server-side, so logging out or locking an account takes effect at once.
"""

from __future__ import annotations

import secrets
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from web_ui.i18n import N_

SCHEMA_VERSION = 1
SCHEMA = """
CREATE TABLE IF NOT EXISTS accounts (
    username       TEXT PRIMARY KEY,
    role           TEXT NOT NULL,            -- admin / employee
    extension      TEXT NOT NULL DEFAULT '', -- the employee this login belongs to
    password_hash  TEXT NOT NULL,
    language       TEXT NOT NULL DEFAULT '',
    failed_logins  INTEGER NOT NULL DEFAULT 0,
    locked_until   REAL NOT NULL DEFAULT 0,
    created_at     REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
    token          TEXT PRIMARY KEY,
    username       TEXT NOT NULL REFERENCES accounts(username) ON DELETE CASCADE,
    csrf_token     TEXT NOT NULL,
    created_at     REAL NOT NULL,
    last_seen_at   REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS audit (
    id             INTEGER PRIMARY KEY,
    at             REAL NOT NULL,
    username       TEXT NOT NULL,
    action         TEXT NOT NULL,            -- e.g. config.save, account.password
    detail         TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS audit_at ON audit(at);
"""

MAX_FAILED_LOGINS = 10
LOCKOUT_S = 15 * 60
SESSION_IDLE_S = 12 * 3600
MIN_PASSWORD_LENGTH = 8  # said in PasswordTooWeak's text
LOCKED = N_("too many wrong passwords: the account is locked; try again in {minutes} min")


class Role(StrEnum):
    ADMIN = "admin"
    EMPLOYEE = "employee"


@dataclass(frozen=True)
class Account:
    username: str
    role: Role
    extension: str
    language: str

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN


@dataclass(frozen=True)
class Session:
    token: str
    csrf_token: str
    account: Account


class LoginRefused(Exception):
    """Wrong name or password, or the account is locked for a while.

    `message` is a catalogue text with `{minutes}` filled in only when shown, so the page
    can say it in the user's language."""

    def __init__(self, message: str, *, locked: bool = False, minutes: int = 0) -> None:
        super().__init__(message.format(minutes=minutes))
        self.message = message
        self.locked = locked
        self.minutes = minutes

    def say(self, gettext: Callable[[str], str]) -> str:
        return gettext(self.message).format(minutes=self.minutes)


class PasswordTooWeak(ValueError):
    """Shown to the user as is; the text is in the catalogues."""


class AccountStore:
    def __init__(self, path: Path, *, clock=time.time) -> None:  # type: ignore[no-untyped-def]
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._clock = clock
        self._hasher = PasswordHasher()
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA foreign_keys=ON")
        self._db.execute("PRAGMA busy_timeout=5000")
        self._db.executescript(SCHEMA)
        self._db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    def close(self) -> None:
        self._db.close()

    # Accounts.
    def has_admin(self) -> bool:
        row = self._one("SELECT 1 FROM accounts WHERE role = ?", (Role.ADMIN,))
        return row is not None

    def create(
        self, username: str, password: str, role: Role, *, extension: str = "", language: str = ""
    ) -> Account:
        check_password(password)
        with self._lock:
            self._db.execute(
                "INSERT INTO accounts (username, role, extension, password_hash, language,"
                " created_at) VALUES (?, ?, ?, ?, ?, ?)",
                (username, role, extension, self._hasher.hash(password), language, self._clock()),
            )
        return Account(username, role, extension, language)

    def set_password(self, username: str, password: str) -> None:
        """A new password; every session of that account ends."""
        check_password(password)
        with self._lock:
            self._db.execute(
                "UPDATE accounts SET password_hash = ?, failed_logins = 0, locked_until = 0"
                " WHERE username = ?",
                (self._hasher.hash(password), username),
            )
            self._db.execute("DELETE FROM sessions WHERE username = ?", (username,))

    def set_language(self, username: str, language: str) -> None:
        with self._lock:
            self._db.execute(
                "UPDATE accounts SET language = ? WHERE username = ?", (language, username)
            )

    def account(self, username: str) -> Account | None:
        row = self._one(
            "SELECT username, role, extension, language FROM accounts WHERE username = ?",
            (username,),
        )
        return None if row is None else Account(row[0], Role(row[1]), row[2], row[3])

    def account_for_extension(self, extension: str) -> Account | None:
        row = self._one(
            "SELECT username FROM accounts WHERE role = ? AND extension = ?",
            (Role.EMPLOYEE, extension),
        )
        return None if row is None else self.account(row[0])

    def delete(self, username: str) -> None:
        with self._lock:
            self._db.execute("DELETE FROM accounts WHERE username = ?", (username,))

    # Logging in and out.
    def log_in(self, username: str, password: str) -> Session:
        """Check a password; ten wrong ones in a row lock the account for a while."""
        now = self._clock()
        row = self._one(
            "SELECT password_hash, failed_logins, locked_until FROM accounts WHERE username = ?",
            (username,),
        )
        if row is None:
            self._hasher.hash(password)  # the same work as for a real account
            raise LoginRefused(N_("wrong name or password"))
        password_hash, failed, locked_until = row
        if locked_until > now:
            raise LoginRefused(
                LOCKED,
                locked=True,
                minutes=max(1, round((locked_until - now) / 60)),
            )
        try:
            self._hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            failed += 1
            lock = now + LOCKOUT_S if failed >= MAX_FAILED_LOGINS else 0.0
            with self._lock:
                self._db.execute(
                    "UPDATE accounts SET failed_logins = ?, locked_until = ? WHERE username = ?",
                    (0 if lock else failed, lock, username),
                )
            if lock:
                raise LoginRefused(
                    LOCKED,
                    locked=True,
                    minutes=LOCKOUT_S // 60,
                ) from None
            raise LoginRefused(N_("wrong name or password")) from None
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        with self._lock:
            self._db.execute(
                "UPDATE accounts SET failed_logins = 0, locked_until = 0 WHERE username = ?",
                (username,),
            )
            self._db.execute(
                "INSERT INTO sessions (token, username, csrf_token, created_at, last_seen_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (token, username, csrf, now, now),
            )
        account = self.account(username)
        assert account is not None
        return Session(token, csrf, account)

    def session(self, token: str) -> Session | None:
        """The live session behind a cookie; an idle one expires."""
        now = self._clock()
        row = self._one(
            "SELECT username, csrf_token, last_seen_at FROM sessions WHERE token = ?", (token,)
        )
        if row is None:
            return None
        username, csrf, last_seen = row
        if now - last_seen > SESSION_IDLE_S:
            self.log_out(token)
            return None
        account = self.account(username)
        if account is None:
            return None
        with self._lock:
            self._db.execute("UPDATE sessions SET last_seen_at = ? WHERE token = ?", (now, token))
        return Session(token, csrf, account)

    def log_out(self, token: str) -> None:
        with self._lock:
            self._db.execute("DELETE FROM sessions WHERE token = ?", (token,))

    # Audit.
    def audit(self, username: str, action: str, detail: str = "") -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO audit (at, username, action, detail) VALUES (?, ?, ?, ?)",
                (self._clock(), username, action, detail),
            )

    def audit_log(self, limit: int = 200) -> list[dict[str, object]]:
        rows = self._db.execute(
            "SELECT at, username, action, detail FROM audit ORDER BY id DESC LIMIT ?", (limit,)
        ).fetchall()
        return [{"at": r[0], "username": r[1], "action": r[2], "detail": r[3]} for r in rows]

    def _one(self, sql: str, args: tuple[object, ...]) -> tuple | None:  # type: ignore[type-arg]
        with self._lock:
            return self._db.execute(sql, args).fetchone()  # type: ignore[no-any-return]


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise PasswordTooWeak(N_("a password needs at least 8 characters"))
