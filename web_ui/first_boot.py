"""The appliance image writes a unique administrator password on first boot (shown on the
console and on the boot partition); the web process adopts it as the `admin` account, so
nobody on the LAN can claim a new unit before its owner."""

from __future__ import annotations

import logging

from firmware.paths import DataPaths
from web_ui.auth.store import AccountStore, PasswordTooWeak, Role

log = logging.getLogger(__name__)
FIRST_BOOT_PASSWORD_FILE = "first-boot-password"


def adopt_first_boot_password(paths: DataPaths, accounts: AccountStore) -> None:
    source = paths.root / FIRST_BOOT_PASSWORD_FILE
    if accounts.has_admin() or not source.exists():
        return
    password = source.read_text(encoding="utf-8").strip()
    try:
        accounts.create("admin", password, Role.ADMIN)
    except PasswordTooWeak:
        log.error("web: the first-boot password in %s is too short; set one in the browser", source)
        return
    accounts.audit("admin", "account.create", "first-boot password adopted")
    log.info("web: the administrator account uses the first-boot password")
