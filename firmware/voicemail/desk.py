"""The voicemail boxes as routing's voicemail operation uses them (`VoicemailDesk`), and call
recording as routing starts it once a call is answered (`RecordingDesk`)."""

from __future__ import annotations

import numpy as np

from firmware.config import Config
from firmware.config.voicemail import RecordingRule
from firmware.verbs import CallControl, CallView
from firmware.voicemail.audio_store import Recording
from firmware.voicemail.boxes import BoxCondition, UnknownBox, Voicemail
from firmware.voicemail.by_phone import Access, Prompts, VoicemailByPhone
from firmware.voicemail.call_tap import MixingTap
from firmware.voicemail.index import CallInfo, Message
from firmware.voicemail.recordings import CallRecordings


class VoicemailDesk:
    def __init__(self, voicemail: Voicemail) -> None:
        self.voicemail = voicemail

    @property
    def config(self) -> Config:
        return self.voicemail.config

    def box_for(self, reference: str) -> str | None:
        boxes = self.config.voicemail.boxes
        if reference:
            for box in boxes:
                if box.id == reference:
                    return box.id
            for box in boxes:
                if box.owner == reference:
                    return box.id
            return None
        shared = [box for box in boxes if not box.owner]
        return shared[0].id if shared else None

    async def is_full(self, box_id: str) -> bool:
        status = await self.voicemail.status(box_id)
        return status.condition is BoxCondition.FULL

    async def greeting(self, box_id: str, kind: str) -> np.ndarray | None:
        try:
            return await self.voicemail.greeting(box_id, kind)
        except (UnknownBox, ValueError):
            return None

    async def record(self, box_id: str, caller: object, *, max_s: float) -> Recording | None:
        return await self.voicemail.record(box_id, _info(caller), max_s=max_s)

    async def deposit(self, recording: object) -> None:
        if not isinstance(recording, Recording):
            raise TypeError(f"not a voicemail recording: {recording!r}")
        await self.voicemail.deposit(recording)

    async def no_message(
        self, box_id: str, caller: object, started_at: float, *, full: bool = False
    ) -> None:
        await self.voicemail.no_message(box_id, _info(caller), started_at, full=full)

    def own_box(self, extension: str) -> str | None:
        """The box an extension owns, for the own-box feature code."""
        return next((b.id for b in self.config.voicemail.boxes if b.owner == extension), None)

    async def by_phone(
        self,
        control: CallControl,
        prompts: Prompts,
        call: CallView,
        *,
        box_id: str | None,
        from_extension: str = "",
    ) -> str:
        """Voicemail by phone on `call`: `box_id` (None asks for it); calling from the
        box owner's own extension skips the PIN unless the config asks for it."""
        by_phone = VoicemailByPhone(self.voicemail, control, prompts)
        return await by_phone.run(call, Access(box_id, own_phone_extension=from_extension))


class RecordingDesk:
    def __init__(self, recordings: CallRecordings) -> None:
        self.recordings = recordings

    @property
    def rules(self) -> list[RecordingRule]:
        return list(self.recordings.settings.rules)

    async def record_call(
        self, control: CallControl, call: CallView, owner: str, caller: object
    ) -> Message | None:
        """Record both parties of an answered call for `owner` until it ends; the
        recording is indexed with the call's id, so its history row finds it."""
        tap = MixingTap()
        remove = control.add_tap(call, tap)  # at once: the first words count
        try:
            recording = await self.recordings.begin(owner, _info(caller))
            tap.attach(recording.recorder)
            await control.wait_until_gone(call)
        finally:
            remove()
        return await self.recordings.finish(recording)


def _info(caller: object) -> CallInfo:
    """Routing's `Caller` as the voicemail index keeps it."""
    return CallInfo(
        caller_number=getattr(caller, "number", ""),
        caller_name=getattr(caller, "name", ""),
        line=getattr(caller, "line", ""),
        call_id=getattr(caller, "call_id", ""),
        path=tuple(getattr(caller, "path", ())),
    )
