"""Tell systemd how the engine is doing: the `sd_notify` datagram protocol, without libsystemd.

systemd passes `NOTIFY_SOCKET` (a filesystem path, or `@name` for the abstract namespace);
each datagram is newline-separated `KEY=value` lines. `READY=1` ends the unit's start-up,
`STATUS=` is what `systemctl status` shows, and `WATCHDOG=1` must arrive within
`WatchdogSec` (systemd passes it as `WATCHDOG_USEC`) or systemd kills and restarts the unit.
The engine pets the watchdog from its media clock tick, so a stalled media loop is
restarted; the pets are spaced to half the watchdog time.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable, Mapping

log = logging.getLogger(__name__)

NOTIFY_SOCKET_ENV = "NOTIFY_SOCKET"
WATCHDOG_USEC_ENV = "WATCHDOG_USEC"
WATCHDOG_PID_ENV = "WATCHDOG_PID"


class SystemdNotifier:
    """Sends notifications to one socket; `pet()` is cheap enough for every media tick."""

    def __init__(
        self,
        address: str,
        watchdog_interval_s: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        # A leading "@" names a socket in the abstract namespace.
        self.address = "\0" + address[1:] if address.startswith("@") else address
        self.watchdog_interval_s = watchdog_interval_s
        self._clock = clock
        self._last_pet: float | None = None
        self._socket = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)

    @classmethod
    def from_environment(
        cls, environ: Mapping[str, str] | None = None, pid: int | None = None
    ) -> SystemdNotifier | None:
        """A notifier when systemd started this process with notification on, else None."""
        environ = os.environ if environ is None else environ
        address = environ.get(NOTIFY_SOCKET_ENV, "")
        if not address:
            return None
        interval = None
        watchdog_usec = environ.get(WATCHDOG_USEC_ENV, "")
        watchdog_pid = environ.get(WATCHDOG_PID_ENV, "")
        for_us = not watchdog_pid or watchdog_pid == str(os.getpid() if pid is None else pid)
        if watchdog_usec.isdigit() and int(watchdog_usec) > 0 and for_us:
            interval = int(watchdog_usec) / 1_000_000 / 2
        return cls(address, interval)

    def notify(self, **fields: str) -> bool:
        """Send `KEY=value` lines (keyword names upper-cased); False if systemd is gone."""
        message = "\n".join(f"{key.upper()}={value}" for key, value in fields.items())
        try:
            self._socket.sendto(message.encode("utf-8"), self.address)
        except OSError as error:
            log.warning("systemd notify: %s", error)
            return False
        return True

    def ready(self, status: str) -> bool:
        return self.notify(ready="1", status=status)

    def status(self, status: str) -> bool:
        return self.notify(status=status)

    def stopping(self) -> bool:
        return self.notify(stopping="1")

    def pet(self) -> None:
        """Pet the watchdog if half its time has passed since the last pet."""
        if self.watchdog_interval_s is None:
            return
        now = self._clock()
        if self._last_pet is not None and now - self._last_pet < self.watchdog_interval_s:
            return
        self._last_pet = now
        self.notify(watchdog="1")

    def close(self) -> None:
        self._socket.close()
