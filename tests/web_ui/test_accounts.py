"""Accounts on their own: passwords, lockout on the clock, sessions that end."""

import pytest

from web_ui.auth.store import (
    LOCKOUT_S,
    MAX_FAILED_LOGINS,
    AccountStore,
    LoginRefused,
    PasswordTooWeak,
    Role,
)


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def store(tmp_path):
    clock = Clock()
    accounts = AccountStore(tmp_path / "web.sqlite3", clock=clock)
    accounts.create("admin", "s3cret-pass", Role.ADMIN)
    yield accounts, clock
    accounts.close()


def test_passwords_are_stored_as_argon2_hashes(store, tmp_path):
    _accounts, _ = store
    raw = b"".join(path.read_bytes() for path in tmp_path.glob("web.sqlite3*"))
    assert b"s3cret-pass" not in raw
    assert b"$argon2id$" in raw


def test_a_locked_account_opens_again_after_the_lockout(store):
    accounts, clock = store
    for _ in range(MAX_FAILED_LOGINS):
        with pytest.raises(LoginRefused):
            accounts.log_in("admin", "wrong")
    with pytest.raises(LoginRefused) as refused:
        accounts.log_in("admin", "s3cret-pass")
    assert refused.value.locked
    clock.now += LOCKOUT_S + 1
    assert accounts.log_in("admin", "s3cret-pass").account.is_admin


def test_a_right_password_resets_the_count_of_wrong_ones(store):
    accounts, _ = store
    for _ in range(MAX_FAILED_LOGINS - 1):
        with pytest.raises(LoginRefused):
            accounts.log_in("admin", "wrong")
    accounts.log_in("admin", "s3cret-pass")
    with pytest.raises(LoginRefused) as refused:
        accounts.log_in("admin", "wrong")
    assert not refused.value.locked


def test_a_new_password_ends_every_session_and_short_ones_are_refused(store):
    accounts, _ = store
    session = accounts.log_in("admin", "s3cret-pass")
    assert accounts.session(session.token) is not None
    with pytest.raises(PasswordTooWeak):
        accounts.set_password("admin", "short")
    accounts.set_password("admin", "another-pass")
    assert accounts.session(session.token) is None


def test_an_idle_session_expires(store):
    accounts, clock = store
    session = accounts.log_in("admin", "s3cret-pass")
    clock.now += 13 * 3600
    assert accounts.session(session.token) is None
