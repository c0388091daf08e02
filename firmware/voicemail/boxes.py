"""Voicemail boxes: leaving a message, and everything a box's owner does with it.

This is the API the voicemail operation of a scenario and the by-phone menus call: state of
a box (full or not), record a message, report a caller who left none, list newest first,
mark heard, save, delete, greetings per kind, and the PIN check with attempts counted
across calls. Every mail for a voicemail call goes through the outbox, keyed by the message
(or the call), so it is queued exactly once even across crashes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

import aio
from aio import host
from firmware.config import Config
from firmware.config.voicemail import GREETING_KINDS, VoicemailBox
from firmware.mail.notices import Locale, VoicemailNotice, voicemail_mail
from firmware.mail.outbox import Outbox
from firmware.voicemail import wavfile
from firmware.voicemail.audio_store import AudioStore, Recording
from firmware.voicemail.index import CallInfo, Kind, Message

log = logging.getLogger(__name__)

MB = 1_000_000
PIN_LOCKOUT_S = 300.0  # after too many wrong PINs the box refuses PINs this long
MIN_RECORDING_S = 1.0  # less space than this left: the box is full


class UnknownBox(LookupError):
    pass


class BoxCondition(StrEnum):
    OK = "ok"
    FULL = "full"


@dataclass(frozen=True)
class BoxStatus:
    box: str
    condition: BoxCondition
    reason: str  # why it is full, in words a user can act on
    messages: int
    new: int
    bytes: int
    seconds_left: float  # how long a message may be right now


@dataclass(frozen=True)
class PinResult:
    accepted: bool
    failures: int  # consecutive wrong PINs so far
    attempts_left: int  # 0: hang up (and the box refuses PINs for PIN_LOCKOUT_S)


class Voicemail:
    def __init__(
        self,
        store: AudioStore,
        config: Config,
        outbox: Outbox,
        *,
        on_new_count: Callable[[str, int], None] | None = None,
    ) -> None:
        self.store = store
        self.config = config
        self.outbox = outbox
        self.on_new_count = on_new_count  # (box, unheard messages): message waiting lamps

    def apply(self, config: Config) -> None:
        self.config = config

    def box(self, box_id: str) -> VoicemailBox:
        box = self.config.voicemail.box(box_id)
        if box is None:
            raise UnknownBox(f"there is no voicemail box {box_id!r}")
        return box

    def _locale(self, box: VoicemailBox) -> Locale:
        system = self.config.system
        return Locale(box.language or system.language, system.country, system.timezone)

    def _recipients(self, box: VoicemailBox) -> list[str]:
        if box.recipients:
            return list(box.recipients)
        owner = self.config.employee_for_extension(box.owner) if box.owner else None
        return [owner.email] if owner is not None and owner.email else []

    async def mail_recovered(self) -> int:
        """Queue the mail of every message that has none yet (after a crash); returns how
        many were queued."""
        pending = await host.to_thread(self.store.index.unmailed)
        for message in pending:
            await self._mail_message(message)
        return len(pending)

    # Leaving a message ---------------------------------------------------------------

    async def status(self, box_id: str) -> BoxStatus:
        box = self.box(box_id)
        index = self.store.index
        count, used = await host.to_thread(index.usage, Kind.VOICEMAIL, box_id)
        _, used_total = await host.to_thread(index.usage, Kind.VOICEMAIL, None)
        new = await host.to_thread(index.new_count, box_id)
        room = min(box.quota_mb * MB - used, self.config.voicemail.total_quota_mb * MB - used_total)
        seconds_left = max(0.0, min(float(box.max_message_s), room / wavfile.BYTES_PER_SECOND))
        reason = ""
        if count >= box.max_messages:
            reason = f"box {box_id} holds its maximum of {box.max_messages} messages"
        elif used >= box.quota_mb * MB - MIN_RECORDING_S * wavfile.BYTES_PER_SECOND:
            reason = f"box {box_id} has used its {box.quota_mb:g} MB"
        elif seconds_left < MIN_RECORDING_S:
            quota = self.config.voicemail.total_quota_mb
            reason = f"all boxes together have used their {quota:g} MB"
        condition = BoxCondition.FULL if reason else BoxCondition.OK
        return BoxStatus(box_id, condition, reason, count, new, used, seconds_left)

    async def record(
        self, box_id: str, call: CallInfo, *, max_s: float | None = None
    ) -> Recording | None:
        """Start recording a message, or None when the box is full (the caller hears so;
        `no_message(..., full=True)` sends the mail)."""
        status = await self.status(box_id)
        if status.condition is BoxCondition.FULL:
            log.warning("voicemail %s: full (%s)", box_id, status.reason)
            return None
        return await self.store.begin(
            Kind.VOICEMAIL,
            box_id,
            call,
            max_s=status.seconds_left if max_s is None else min(max_s, status.seconds_left),
            silence_end_s=self.config.voicemail.silence_end_s,
        )

    async def deposit(self, recording: Recording) -> Message:
        """The caller finished (key, hang-up, silence or time): keep it and mail it."""
        message = await self.store.finish(recording, trim_silence=True)
        log.info("voicemail %s: message %s, %.1f s", message.box, message.id, message.duration_s)
        await self._mail_message(message)
        await self._announce_new_count(message.box)
        return message

    async def no_message(
        self, box_id: str, call: CallInfo, started_at: float, *, full: bool = False
    ) -> None:
        """A voicemail call without a message (hung up in the greeting, or the box was
        full): the recipients still learn of it."""
        box = self.box(box_id)
        notice = VoicemailNotice(
            box_id=box_id,
            box_name=box.name,
            recipients=self._recipients(box),
            caller_number=call.caller_number,
            caller_name=call.caller_name,
            started_at=started_at,
            line=call.line,
            path=call.path,
            outcome="box_full" if full else "hung_up",
        )
        await self._queue(box, notice, key=f"voicemail-call:{call.call_id or started_at}")

    async def _mail_message(self, message: Message) -> None:
        box = self.config.voicemail.box(message.box)
        if box is None:  # the box was removed from the config meanwhile
            log.warning(
                "voicemail %s: box no longer exists; message %s not mailed", message.box, message.id
            )
            await host.to_thread(self.store.index.mark_mailed, message.id)
            return
        audio = await self.store.read_file(message) if box.attach_audio else None
        notice = VoicemailNotice(
            box_id=box.id,
            box_name=box.name,
            recipients=self._recipients(box),
            caller_number=message.call.caller_number,
            caller_name=message.call.caller_name,
            started_at=message.started_at,
            line=message.call.line,
            path=message.call.path,
            duration_s=message.duration_s,
            recovered=message.recovered,
            audio=audio,
        )
        await self._queue(box, notice, key=f"voicemail:{message.id}")
        await host.to_thread(self.store.index.mark_mailed, message.id)

    async def _queue(self, box: VoicemailBox, notice: VoicemailNotice, *, key: str) -> None:
        if not notice.recipients:
            log.warning("voicemail %s: nobody to mail (no recipients, no owner address)", box.id)
            return
        await self.outbox.queue(voicemail_mail(notice, self._locale(box)), key=key)

    async def announce_new_counts(self) -> None:
        """Tell the message-waiting indication about every box (at start)."""
        for box in self.config.voicemail.boxes:
            await self._announce_new_count(box.id)

    async def _announce_new_count(self, box_id: str) -> None:
        if self.on_new_count is not None:
            self.on_new_count(box_id, await host.to_thread(self.store.index.new_count, box_id))

    # The owner's side ---------------------------------------------------------------

    async def messages(self, box_id: str) -> list[Message]:
        """The box's messages, newest first."""
        self.box(box_id)
        return await host.to_thread(self.store.index.listed, Kind.VOICEMAIL, box_id)

    async def audio(self, message: Message) -> np.ndarray:
        return await self.store.read_audio(message)

    async def mark_heard(self, message: Message) -> None:
        await host.to_thread(self.store.index.set_flags, message.id, heard=True)
        await self._announce_new_count(message.box)

    async def save(self, message: Message) -> None:
        """Keep the message (heard, and marked saved so clean-ups leave it)."""
        await host.to_thread(self.store.index.set_flags, message.id, heard=True, saved=True)
        await self._announce_new_count(message.box)

    async def delete(self, message: Message) -> None:
        await self.store.delete(message)
        await self._announce_new_count(message.box)

    async def set_greeting(self, box_id: str, kind: str, audio: np.ndarray) -> None:
        self.box(box_id)
        if kind not in GREETING_KINDS:
            raise ValueError(f"a greeting is one of {', '.join(GREETING_KINDS)}, not {kind!r}")
        pcm = np.asarray(audio, dtype="<i2").tobytes()
        await host.to_thread(wavfile.write_wav, self.store.greeting_path(box_id, kind), pcm)

    async def greeting(self, box_id: str, kind: str) -> np.ndarray | None:
        """The box's own greeting of that kind, or None (the default prompt then plays)."""
        path = self.store.greeting_path(box_id, kind)
        data = await host.to_thread(lambda: path.read_bytes() if path.exists() else None)
        if data is None:
            return None
        return np.frombuffer(data[wavfile.HEADER_BYTES :], dtype="<i2").astype(np.int16)

    async def delete_greeting(self, box_id: str, kind: str) -> None:
        await host.to_thread(self.store.greeting_path(box_id, kind).unlink, missing_ok=True)

    async def check_pin(self, box_id: str, pin: str) -> PinResult:
        """Compare a PIN; wrong ones are counted (across calls and restarts); after
        `pin_attempts` of them the caller is to be hung up and the box refuses every PIN
        for PIN_LOCKOUT_S."""
        box = self.box(box_id)
        allowed = self.config.voicemail.pin_attempts
        index = self.store.index
        now = aio.wall_time()
        failures, last_at = await host.to_thread(index.pin_state, box_id)
        if failures >= allowed and now - last_at < PIN_LOCKOUT_S:
            return PinResult(False, failures, 0)
        if failures >= allowed:  # the lock-out is over: a fresh count
            await host.to_thread(index.note_pin, box_id, True, now)
        accepted = not box.pin or pin == box.pin
        failures = await host.to_thread(index.note_pin, box_id, accepted, now)
        return PinResult(accepted, failures, 0 if accepted else max(0, allowed - failures))
