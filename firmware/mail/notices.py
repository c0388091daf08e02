"""What the appliance's mails say: a voicemail left (or not), a missed call, a day's digest.

Numbers are written the way people of the line's country write them (`phonenumbers`): a
number of that country in its national form, a foreign one in international form, anything
else (an extension, a withheld number) as it came. Times are in the system's time zone.
Texts follow the box's (else the system's) language: en, ru or uk.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

import phonenumbers

from firmware.mail.message import Attachment, OutgoingMail

PHRASES: dict[str, dict[str, str]] = {
    "en": {
        "voicemail_subject": "Voicemail from {caller}, {when}",
        "no_message_subject": "Missed call from {caller}, {when}: no message",
        "missed_subject": "Missed call from {caller} to {centre}, waited {waited} s",
        "digest_subject": "Missed calls to {centre} on {day}: {count}",
        "caller": "Caller",
        "unknown": "unknown number",
        "box": "Box",
        "received": "Received",
        "duration": "Duration",
        "path": "Call path",
        "line": "Line",
        "attached": "The recording is attached.",
        "not_attached": "The recording is kept on the appliance (this box sends no attachments).",
        "hung_up": "The caller hung up during the greeting and left no message.",
        "box_full": "The box is full: the caller could not leave a message.",
        "recovered": "The recording was cut short by a power failure; it is kept up to the "
        "last second saved.",
        "waited": "Waited",
        "rung": "Rung",
        "nobody_rung": "nobody was free to ring",
        "seconds": "s",
        "file": "voicemail",
    },
    "ru": {
        "voicemail_subject": "Голосовое сообщение от {caller}, {when}",
        "no_message_subject": "Пропущенный звонок от {caller}, {when}: без сообщения",
        "missed_subject": "Пропущенный звонок от {caller} в «{centre}», ждал {waited} с",
        "digest_subject": "Пропущенные звонки в «{centre}» за {day}: {count}",
        "caller": "Звонил",
        "unknown": "номер не определён",
        "box": "Ящик",
        "received": "Получено",
        "duration": "Длительность",
        "path": "Путь звонка",
        "line": "Линия",
        "attached": "Запись во вложении.",
        "not_attached": "Запись хранится на АТС (вложения для этого ящика выключены).",
        "hung_up": "Абонент положил трубку во время приветствия и не оставил сообщения.",
        "box_full": "Ящик переполнен: абонент не смог оставить сообщение.",
        "recovered": "Запись прервана сбоем питания; сохранена до последней записанной секунды.",
        "waited": "Ожидание",
        "rung": "Вызывались",
        "nobody_rung": "свободных сотрудников не было",
        "seconds": "с",
        "file": "Голосовое сообщение",
    },
    "uk": {
        "voicemail_subject": "Голосове повідомлення від {caller}, {when}",
        "no_message_subject": "Пропущений дзвінок від {caller}, {when}: без повідомлення",
        "missed_subject": "Пропущений дзвінок від {caller} до «{centre}», чекав {waited} с",
        "digest_subject": "Пропущені дзвінки до «{centre}» за {day}: {count}",
        "caller": "Дзвонив",
        "unknown": "номер не визначено",
        "box": "Скринька",
        "received": "Отримано",
        "duration": "Тривалість",
        "path": "Шлях дзвінка",
        "line": "Лінія",
        "attached": "Запис у вкладенні.",
        "not_attached": "Запис зберігається на АТС (вкладення для цієї скриньки вимкнені).",
        "hung_up": "Абонент поклав слухавку під час привітання і не залишив повідомлення.",
        "box_full": "Скринька переповнена: абонент не зміг залишити повідомлення.",
        "recovered": "Запис перервано збоєм живлення; збережено до останньої записаної секунди.",
        "waited": "Очікування",
        "rung": "Викликалися",
        "nobody_rung": "вільних співробітників не було",
        "seconds": "с",
        "file": "Голосове повідомлення",
    },
}
DATE_FORMAT = {"en": "%Y-%m-%d %H:%M", "ru": "%d.%m.%Y %H:%M", "uk": "%d.%m.%Y %H:%M"}
DAY_FORMAT = {"en": "%Y-%m-%d", "ru": "%d.%m.%Y", "uk": "%d.%m.%Y"}


def format_number(number: str, country: str) -> str:
    """`number` as people in `country` write it; as given when it is no phone number."""
    if not number:
        return ""
    try:
        parsed = phonenumbers.parse(number, country)
    except phonenumbers.NumberParseException:
        return number
    if not phonenumbers.is_valid_number(parsed):
        return number
    if phonenumbers.region_code_for_number(parsed) == country:
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


@dataclass(frozen=True)
class Locale:
    language: str  # en / ru / uk
    country: str  # ISO code of the lines' network
    timezone: str

    @property
    def phrases(self) -> dict[str, str]:
        return PHRASES.get(self.language, PHRASES["en"])

    def when(self, epoch_s: float, *, seconds: bool = False) -> str:
        moment = datetime.fromtimestamp(epoch_s, ZoneInfo(self.timezone))
        pattern = DATE_FORMAT.get(self.language, DATE_FORMAT["en"])
        return moment.strftime(pattern + (":%S" if seconds else ""))

    def day(self, epoch_s: float) -> str:
        moment = datetime.fromtimestamp(epoch_s, ZoneInfo(self.timezone))
        return moment.strftime(DAY_FORMAT.get(self.language, DAY_FORMAT["en"]))

    def caller(self, number: str, name: str = "") -> str:
        shown = format_number(number, self.country) or self.phrases["unknown"]
        return f"{name}, {shown}" if name else shown


def duration_text(seconds: float) -> str:
    whole = round(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


@dataclass(frozen=True)
class VoicemailNotice:
    """One voicemail call, whether or not a message was left."""

    box_id: str
    box_name: str
    recipients: Sequence[str]
    caller_number: str
    caller_name: str
    started_at: float
    line: str = ""
    path: Sequence[str] = ()
    duration_s: float = 0.0
    outcome: str = "recorded"  # recorded / hung_up / box_full
    recovered: bool = False
    audio: bytes | None = None  # the WAV file, when it is to be attached


def voicemail_mail(notice: VoicemailNotice, locale: Locale) -> OutgoingMail:
    words = locale.phrases
    caller_short = format_number(notice.caller_number, locale.country) or words["unknown"]
    when = locale.when(notice.started_at)
    template = "voicemail_subject" if notice.outcome == "recorded" else "no_message_subject"
    lines = [
        f"{words['caller']}: {locale.caller(notice.caller_number, notice.caller_name)}",
        f"{words['box']}: {notice.box_name or notice.box_id}",
        f"{words['received']}: {locale.when(notice.started_at, seconds=True)} ({locale.timezone})",
    ]
    if notice.outcome == "recorded":
        lines.append(f"{words['duration']}: {duration_text(notice.duration_s)}")
    if notice.path:
        lines.append(f"{words['path']}: {' → '.join(notice.path)}")
    if notice.line:
        lines.append(f"{words['line']}: {notice.line}")
    lines.append("")
    if notice.outcome == "hung_up":
        lines.append(words["hung_up"])
    elif notice.outcome == "box_full":
        lines.append(words["box_full"])
    else:
        if notice.recovered:
            lines.append(words["recovered"])
        lines.append(words["attached"] if notice.audio is not None else words["not_attached"])
    attachments = []
    if notice.outcome == "recorded" and notice.audio is not None:
        stamp = locale.when(notice.started_at).replace(":", "-")
        name = f"{words['file']} {stamp} {notice.caller_number or words['unknown']}.wav"
        attachments.append(Attachment(name, notice.audio))
    return OutgoingMail(
        kind="voicemail",
        recipients=tuple(notice.recipients),
        subject=words[template].format(caller=caller_short, when=when),
        body="\n".join(lines) + "\n",
        attachments=tuple(attachments),
    )


@dataclass(frozen=True)
class MemberRung:
    label: str  # the member, e.g. "101 Ivan Petrov"
    rang_s: float
    outcome: str  # no_answer / busy / unavailable / ...


@dataclass(frozen=True)
class MissedCall:
    """A caller nobody in a call centre answered (the routing runner's record of it)."""

    call_centre: str
    caller_number: str
    caller_name: str
    started_at: float
    waited_s: float
    rung: Sequence[MemberRung] = field(default_factory=tuple)


def _missed_lines(call: MissedCall, locale: Locale) -> list[str]:
    words = locale.phrases
    lines = [
        f"{words['caller']}: {locale.caller(call.caller_number, call.caller_name)}",
        f"{words['received']}: {locale.when(call.started_at, seconds=True)}",
        f"{words['waited']}: {round(call.waited_s)} {words['seconds']}",
        f"{words['rung']}:",
    ]
    if not call.rung:
        lines.append(f"  {words['nobody_rung']}")
    for member in call.rung:
        lines.append(
            f"  {member.label}: {round(member.rang_s)} {words['seconds']} ({member.outcome})"
        )
    return lines


def missed_call_mail(call: MissedCall, recipients: Sequence[str], locale: Locale) -> OutgoingMail:
    words = locale.phrases
    subject = words["missed_subject"].format(
        caller=format_number(call.caller_number, locale.country) or words["unknown"],
        centre=call.call_centre,
        waited=round(call.waited_s),
    )
    body = "\n".join(_missed_lines(call, locale)) + "\n"
    return OutgoingMail("missed_call", tuple(recipients), subject, body)


def digest_mail(
    call_centre: str, day: float, calls: Sequence[MissedCall], recipients: Sequence[str],
    locale: Locale,
) -> OutgoingMail:  # fmt: skip
    words = locale.phrases
    subject = words["digest_subject"].format(
        centre=call_centre, day=locale.day(day), count=len(calls)
    )
    blocks = ["\n".join(_missed_lines(call, locale)) for call in calls]
    return OutgoingMail("digest", tuple(recipients), subject, "\n\n".join(blocks) + "\n")
