"""Message waiting on analog phones: the FSK indication sent on-hook, the lamp, and the
stutter dial tone, for the phones of a box's owner while the box has unheard messages.

The indication is the caller-ID modem's message-waiting message in the country's standard
(Bell 202 MDMF in North America, ETSI V.23 elsewhere, also where caller ID is sent as DTMF,
which has no message-waiting form). A phone that is off-hook or ringing gets it once it is
idle again. Ports configured with `message_waiting_lamp` also light their neon lamp.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Protocol

import numpy as np

import aio
from firmware.config import Config
from firmware.config.schema import FxsPortConfig
from firmware.countries import load_country
from voice.callerid.encoder import encode_caller_id
from voice.callerid.model import CallerId, CallerIdStandard

log = logging.getLogger(__name__)

RETRY_S = 5.0  # a busy phone is offered the indication again this often


class MessageWaitingPort(Protocol):
    """What this needs of an FXS port (drivers.fxs.FxsPort has it)."""

    def send_on_hook_data(self, samples: np.ndarray, *, delay_ms: int = 500) -> bool: ...

    def set_message_waiting(self, on: bool) -> None: ...


def indication_audio(waiting: bool, country: str, *, count: int | None = None) -> np.ndarray:
    """The on-hook FSK message-waiting indication (visual indicator on or off)."""
    standard = load_country(country).caller_id.standard
    modem = CallerIdStandard.BELL202 if standard == "bell202" else CallerIdStandard.ETSI_FSK
    message = CallerId(message_waiting=waiting, message_count=count if waiting else None)
    return encode_caller_id(message, modem)


class MessageWaiting:
    def __init__(self, config: Config, ports: Callable[[int], MessageWaitingPort | None]) -> None:
        self.config = config
        self._ports = ports  # FXS port by index
        self._waiting: dict[str, int] = {}  # box -> unheard messages
        self._pending: dict[int, bool] = {}  # port -> indication still to deliver
        self._retry: aio.Task[None] | None = None

    def apply(self, config: Config) -> None:
        self.config = config

    def _owner(self, box_id: str) -> str:
        box = self.config.voicemail.box(box_id)
        return box.owner if box is not None else ""

    def extension_waiting(self, extension: str) -> bool:
        """Stutter dial tone for this extension: its own box has unheard messages."""
        return any(
            count > 0 and self._owner(box) == extension for box, count in self._waiting.items()
        )

    def update(self, box_id: str, new_messages: int) -> None:
        """The box's count of unheard messages changed (from the voicemail service)."""
        before = self._waiting.get(box_id, 0) > 0
        self._waiting[box_id] = new_messages
        owner = self._owner(box_id)
        employee = self.config.employee_for_extension(owner) if owner else None
        if employee is None or before == (new_messages > 0):
            return
        for index in employee.fxs_ports:
            self._pending[index] = new_messages > 0
            configured = self.config.hat.port(index)
            port = self._ports(index)
            lamp = isinstance(configured, FxsPortConfig) and configured.message_waiting_lamp
            if port is not None and lamp:
                port.set_message_waiting(new_messages > 0)
        self._deliver()

    def _deliver(self) -> None:
        for index, waiting in list(self._pending.items()):
            port = self._ports(index)
            if port is None:
                del self._pending[index]
                continue
            audio = indication_audio(waiting, self.config.system.country)
            if port.send_on_hook_data(audio):
                log.info("port %d: message waiting %s sent", index, "on" if waiting else "off")
                del self._pending[index]
        if self._pending and (self._retry is None or self._retry.done()):
            self._retry = aio.create_task(self._retry_later())

    async def _retry_later(self) -> None:
        await aio.sleep(RETRY_S)
        self._deliver()

    async def stop(self) -> None:
        if self._retry is not None:
            self._retry.cancel()
            await aio.gather(self._retry, return_exceptions=True)
