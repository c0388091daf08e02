"""Fax to e-mail: the received pages as one PDF, with who sent them and how it went.

A fax cut mid-page still goes out with what arrived, and the mail says so.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np

import aio
from aio import host
from firmware.mail.message import Attachment, OutgoingMail
from firmware.mail.outbox import Outbox
from voice.fax.document import pdf_bytes, tiff_bytes
from voice.fax.receiver import FaxReceiver

log = logging.getLogger(__name__)

RESULT_TEXT = {
    "ok": "received completely",
    "call_cut": "the call was cut before the fax ended; the pages that arrived are attached",
    "disconnected_early": "the sender ended the call early; the pages that arrived are attached",
    "t2_timeout": "the sender stopped answering; the pages that arrived are attached",
    "t1_no_dcs": "no fax was sent (the caller never started a fax transfer)",
    "unsupported_settings": "the sender asked for settings this receiver does not offer",
    "training_failed": "the line was too poor for any speed",
}


@dataclass(frozen=True)
class ReceivedFax:
    caller_number: str
    remote_ident: str  # the sender's TSI
    pages: int
    bit_rate: int
    modem: str
    duration_s: float
    result: str
    partial_last_page: bool
    pdf: bytes | None  # the pages' file: a PDF, or a TIFF when `tiff` is set
    started_at: str = ""  # local time text, for the subject and file name
    tiff: bool = False

    @property
    def complete(self) -> bool:
        return self.result == "ok" and not self.partial_last_page


def fax_mail(fax: ReceivedFax, recipients: Sequence[str]) -> OutgoingMail:
    sender = fax.remote_ident or fax.caller_number or "unknown sender"
    subject = f"Fax from {sender}, {fax.pages} page{'s' if fax.pages != 1 else ''}"
    if not fax.complete:
        subject += " (incomplete)"
    lines = [
        f"Caller: {fax.caller_number or 'unknown'}",
        f"Sender identity (TSI): {fax.remote_ident or 'not given'}",
        f"Pages: {fax.pages}",
        f"Speed: {fax.bit_rate} bit/s ({fax.modem})" if fax.bit_rate else "Speed: -",
        f"Duration: {round(fax.duration_s)} s",
        f"Result: {RESULT_TEXT.get(fax.result, fax.result)}",
    ]
    if fax.partial_last_page and fax.pages:
        lines.append(f"Page {fax.pages} was cut off: only its upper part arrived.")
    attachments = []
    if fax.pdf is not None:
        name = f"fax {fax.started_at or ''} {fax.caller_number or sender}".strip().replace(":", "-")
        if fax.tiff:
            attachments.append(Attachment(f"{name}.tif", fax.pdf, "image", "tiff"))
        else:
            attachments.append(Attachment(f"{name}.pdf", fax.pdf, "application", "pdf"))
    return OutgoingMail(
        kind="fax",
        recipients=list(recipients),
        subject=subject,
        body="\n".join(lines) + "\n",
        attachments=attachments,
    )


class FaxTap:
    """The media tap: the caller's frame in, the receiver's frame out, every tick."""

    def __init__(self, receiver: FaxReceiver) -> None:
        self.receiver = receiver
        self.finished = aio.Event()

    def frame(self, caller: np.ndarray, other: np.ndarray | None) -> np.ndarray | None:
        if self.finished.is_set():
            return None
        reply = self.receiver.process(caller)
        # Once done, let our last signal (DCN) finish sounding before reporting it.
        if self.receiver.done and not np.any(reply):
            self.finished.set()
        return reply


class FaxSession:
    """One fax call: the tap to put on the call, then what arrived, mailed."""

    def __init__(self, inbox: FaxInbox, caller_number: str, local_ident: str) -> None:
        self._inbox = inbox
        self.caller_number = caller_number
        self.started_at = datetime.now().astimezone().strftime("%Y-%m-%d %H:%M")
        self.tap = FaxTap(FaxReceiver(local_ident=local_ident))

    async def wait_finished(self) -> None:
        await self.tap.finished.wait()

    def result(self, line_gone: bool) -> str:
        outcome = self.tap.receiver.hang_up() if line_gone else self.tap.receiver.outcome
        return outcome.result

    def summary(self) -> dict[str, Any]:
        outcome = self.tap.receiver.outcome
        return {
            "remote_ident": outcome.remote_ident,
            "pages": len(outcome.pages),
            "modem": outcome.modem,
            "bit_rate": outcome.bit_rate,
            "duration_s": round(outcome.duration_s, 1),
            "result": outcome.result,
        }

    def received(self, tiff: bool = False) -> ReceivedFax:
        outcome = self.tap.receiver.outcome
        return ReceivedFax(
            caller_number=self.caller_number,
            remote_ident=outcome.remote_ident,
            pages=len(outcome.pages),
            bit_rate=outcome.bit_rate,
            modem=outcome.modem,
            duration_s=outcome.duration_s,
            result=outcome.result,
            partial_last_page=outcome.partial_last_page,
            pdf=(tiff_bytes if tiff else pdf_bytes)(outcome.pages, outcome.fine)
            if outcome.pages
            else None,
            tiff=tiff,
            started_at=self.started_at,
        )

    async def deliver(self, recipients: Sequence[str] = (), *, attach_as: str = "pdf") -> bool:
        """Mail the pages (nothing when none arrived) as a PDF, or as a TIFF when asked;
        False when nobody could get them."""
        fax = await host.to_thread(self.received, attach_as == "tiff")
        if not fax.pages:
            return False
        return await self._inbox.deliver(fax, recipients)


class FaxInbox:
    """Where the fax operation hands received faxes: mailed through the outbox."""

    def __init__(self, outbox: Outbox, default_recipients: Callable[[], Sequence[str]]) -> None:
        self.outbox = outbox
        self._default_recipients = default_recipients

    def session(self, caller_number: str, local_ident: str) -> FaxSession:
        return FaxSession(self, caller_number, local_ident)

    async def deliver(self, fax: ReceivedFax, recipients: Sequence[str] = ()) -> bool:
        chosen = list(recipients) or list(self._default_recipients())
        if not chosen:
            log.warning("fax from %s received but nobody to mail it to", fax.caller_number)
            return False
        await self.outbox.queue(fax_mail(fax, chosen))
        return True
