"""Call control's verbs with fake endpoints and no hat: what each verb returns, what the
caller hears meanwhile, and how each way of ending is recorded."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import aio
from aio import host
from firmware.engine.call import Call, Indication, Party
from firmware.engine.call_control import EngineCallControl, RoutedCall
from firmware.engine.calls import CallManager
from firmware.engine.history import CallRecord
from firmware.engine.media import FRAME_SAMPLES, SILENCE, Channel
from firmware.engine.sources import SampleSource
from firmware.verbs import (
    DigitsOutcome,
    EndReason,
    OfferMode,
    OfferOutcome,
    OfferTarget,
    PlayOutcome,
)


class FakePort:
    def __init__(self, index: int) -> None:
        self.index = index
        self.seized = False


class FakeChannel(Channel):
    def __init__(self, name: str, index: int) -> None:
        super().__init__(name)
        self.port = FakePort(index)
        self.on_digit: Any = None
        self.digits_wanted: Any = lambda: True

    def press(self, digit: str) -> None:
        """What the DTMF receiver does in the media tick when it hears a key."""
        if self.on_digit is not None and self.digits_wanted():
            self.on_digit(digit)


class Phone:
    """An extension's phone: rings when offered, answers when told to."""

    def __init__(self, name: str, index: int, number: str, *, busy: bool = False) -> None:
        self.name = name
        self.channel = FakeChannel(name, index)
        self.port = self.channel.port
        self.party = Party(number)
        self.busy = busy
        self.ringing: Call | None = None
        self.released_calls: list[Call] = []

    def offer(self, call: Call) -> bool:
        if self.busy or self.ringing is not None:
            return False
        self.ringing = call
        return True

    def withdraw(self, call: Call) -> None:
        if call is self.ringing:
            self.ringing = None

    def progress(self, call: Call, indication: Indication) -> None:
        pass

    def connected(self, call: Call) -> None:
        self.ringing = None

    def released(self, call: Call) -> None:
        self.released_calls.append(call)


class Line(Phone):
    """An exchange line a caller rings in on; the system answers it by seizing."""

    def __init__(self) -> None:
        super().__init__("FXO/4", 4, "5550000")
        self.seizures = 0

    @property
    def caller_on_line(self) -> bool:
        return self.port.seized

    async def answer_by_system(self) -> bool:
        self.seizures += 1
        self.port.seized = True
        return True

    def connected(self, call: Call) -> None:
        self.port.seized = True
        self.channel.play(None)

    def released(self, call: Call) -> None:
        super().released(call)
        self.port.seized = False
        self.channel.play(None)


class Directory:
    def __init__(self, phones: dict[str, list[Phone]]) -> None:
        self.phones = phones

    def endpoints_for_extension(self, extension: str) -> list[Phone]:
        return self.phones.get(extension, [])

    def port_of(self, endpoint: Any) -> int | None:
        return endpoint.port.index

    def line_for_number(self, call: Any, number: str) -> Any:
        return None  # no exchange line free for going out

    def tone(self, name: str) -> SampleSource:
        return SampleSource(np.full(FRAME_SAMPLES, 1000, dtype=np.int16), loop=True)


class Rig:
    def __init__(self, phones: dict[str, list[Phone]] | None = None) -> None:
        self.records: list[CallRecord] = []
        self.calls = CallManager(record_call=self.records.append)
        self.control = EngineCallControl(self.calls, Directory(phones or {}))
        self.line = Line()

    def incoming(self, caller: str = "5550100") -> RoutedCall:
        call = self.calls.open(self.line, Party(caller), "5550000", direction="inbound")
        return self.control.adopt(call, self.line)

    def ticks(self, count: int) -> list[np.ndarray]:
        """Media ticks: what the caller hears."""
        heard = []
        for _ in range(count):
            self.control.tick()
            heard.append(self.line.channel.output_frame())
        return heard


def run(main: Any) -> Any:
    return host.run(main, virtual=True, wall_epoch=1_790_000_000.0)


async def later(seconds: float, action: Any) -> None:
    await aio.sleep(seconds)
    action()


def test_answer_seizes_the_line_once_and_play_runs_to_its_end():
    async def main() -> Any:
        rig = Rig()
        call = rig.incoming()
        await rig.control.answer(call)
        await rig.control.answer(call)
        tone = np.full(FRAME_SAMPLES * 3, 500, dtype=np.int16)
        player = aio.create_task(rig.control.play(call, tone))
        await aio.sleep(0)
        heard = rig.ticks(4)
        result = await player
        return rig, heard, result

    rig, heard, result = run(main())
    assert rig.line.seizures == 1
    assert result.outcome == PlayOutcome.FINISHED
    assert [int(frame[0]) for frame in heard[:3]] == [500, 500, 500]
    assert rig.line.channel.source is None  # nothing left playing after the verb


def test_a_key_interrupts_play_and_other_keys_wait_for_collect_digits():
    async def main() -> Any:
        rig = Rig()
        call = rig.incoming()
        await rig.control.answer(call)
        keys = rig.line.channel
        aio.create_task(later(0.5, lambda: keys.press("4")))
        aio.create_task(later(0.7, lambda: keys.press("2")))
        audio = np.zeros(8000 * 10, dtype=np.int16)
        played = await rig.control.play(call, audio, interrupt_digits="2")
        typed_ahead = await rig.control.collect_digits(
            call, max_digits=3, first_digit_s=1, inter_digit_s=1
        )
        return played, typed_ahead, aio.monotonic()

    played, typed_ahead, now = run(main())
    assert (played.outcome, played.digit) == (PlayOutcome.INTERRUPTED, "2")
    assert (typed_ahead.digits, typed_ahead.outcome) == ("4", DigitsOutcome.TIMEOUT)
    assert now == pytest.approx(1.7, abs=0.05)


def test_collect_digits_ends_on_the_terminator_on_max_digits_and_when_the_caller_leaves():
    async def main() -> Any:
        rig = Rig()
        call = rig.incoming()
        keys = rig.line.channel
        for at, key in ((0.2, "1"), (0.4, "2"), (0.6, "#")):
            aio.create_task(later(at, lambda key=key: keys.press(key)))
        ended_by_hash = await rig.control.collect_digits(
            call, max_digits=5, first_digit_s=2, inter_digit_s=2
        )
        for at, key in ((0.2, "7"), (0.3, "8")):
            aio.create_task(later(at, lambda key=key: keys.press(key)))
        full = await rig.control.collect_digits(
            call, max_digits=2, first_digit_s=2, inter_digit_s=2
        )
        aio.create_task(later(0.5, lambda: rig.calls.hang_up(rig.line, call.call)))
        gone = await rig.control.collect_digits(
            call, max_digits=2, first_digit_s=5, inter_digit_s=5
        )
        return ended_by_hash, full, gone, rig

    ended_by_hash, full, gone, rig = run(main())
    assert (ended_by_hash.digits, ended_by_hash.outcome) == ("12#", DigitsOutcome.COMPLETE)
    assert (full.digits, full.outcome) == ("78", DigitsOutcome.COMPLETE)
    assert gone.outcome == DigitsOutcome.CALLER_GONE
    assert rig.records[0].end_reason == "caller_gave_up"


def test_offer_together_bridges_the_first_to_answer_and_stops_the_others():
    a, b = Phone("FXS/0", 0, "101"), Phone("FXS/1", 1, "102")

    async def main() -> Any:
        rig = Rig({"101": [a], "102": [b]})
        call = rig.incoming()
        targets = [OfferTarget("101", label="101"), OfferTarget("102", label="102")]
        aio.create_task(later(3, lambda: rig.calls.answer(b.ringing, b)))
        result = await rig.control.offer(call, targets, mode=OfferMode.TOGETHER)
        return rig, call, result

    rig, call, result = run(main())
    assert (result.outcome, result.answered_by) == (OfferOutcome.ANSWERED, "102")
    assert a.ringing is None  # withdrawn when 102 answered
    assert {(t.label, t.outcome) for t in result.attempts} == {
        ("101", OfferOutcome.CANCELLED),
        ("102", OfferOutcome.ANSWERED),
    }
    assert call.call.bridge.members == [rig.line.channel, b.channel]


def test_offer_in_order_gives_each_target_its_own_answer_time():
    a, b = Phone("FXS/0", 0, "101"), Phone("FXS/1", 1, "101")

    async def main() -> Any:
        rig = Rig({"101": [a, b]})
        call = rig.incoming()
        targets = [
            OfferTarget("101", device_port=0, answer_s=5, label="101"),
            OfferTarget("101", device_port=1, answer_s=8, label="101"),
        ]
        result = await rig.control.offer(call, targets, mode=OfferMode.IN_ORDER)
        return result, aio.monotonic(), call

    result, now, call = run(main())
    assert result.outcome == OfferOutcome.NO_ANSWER
    assert [round(t.rang_s) for t in result.attempts] == [5, 8]
    assert now == pytest.approx(13, abs=0.05)
    assert not call.is_over  # routing decides what comes next


def test_offer_reports_busy_and_unavailable_targets():
    busy = Phone("FXS/0", 0, "101", busy=True)

    async def main() -> Any:
        rig = Rig({"101": [busy]})
        call = rig.incoming()
        all_busy = await rig.control.offer(
            call, [OfferTarget("101", label="101")], mode=OfferMode.TOGETHER
        )
        nobody = await rig.control.offer(
            call, [OfferTarget("109", label="109")], mode=OfferMode.TOGETHER
        )
        outside = await rig.control.offer(
            call, [OfferTarget(external_number="5551234", label="5551234")], mode=OfferMode.TOGETHER
        )
        return all_busy, nobody, outside

    all_busy, nobody, outside = run(main())
    assert all_busy.outcome == OfferOutcome.BUSY
    assert nobody.outcome == OfferOutcome.UNAVAILABLE
    assert outside.outcome == OfferOutcome.BUSY  # every exchange line in use


def test_a_caller_who_hangs_up_while_phones_ring_stops_them():
    a = Phone("FXS/0", 0, "101")

    async def main() -> Any:
        rig = Rig({"101": [a]})
        call = rig.incoming()
        aio.create_task(later(2, lambda: rig.calls.hang_up(rig.line, call.call)))
        result = await rig.control.offer(
            call, [OfferTarget("101", label="101")], mode=OfferMode.TOGETHER
        )
        return rig, result

    rig, result = run(main())
    assert result.outcome == OfferOutcome.CALLER_GONE
    assert a.ringing is None
    assert rig.records[0].end_reason == "caller_gave_up"


def test_hold_plays_music_to_a_caller_on_an_answered_line_until_the_next_verb():
    async def main() -> Any:
        rig = Rig()
        call = rig.incoming()
        await rig.control.answer(call)
        await rig.control.hold(call, music=True)
        music = rig.ticks(25)
        await rig.control.play_tone(call, "busy", max_s=0.1)
        return music, rig.line.channel.source

    music, after = run(main())
    assert max(int(np.abs(frame).max()) for frame in music) > 100
    assert after is None


def test_play_tone_and_wait_until_gone_return_when_the_caller_leaves():
    async def main() -> Any:
        rig = Rig()
        call = rig.incoming()
        await rig.control.answer(call)
        aio.create_task(later(1, lambda: rig.calls.hang_up(rig.line, call.call)))
        tone = await rig.control.play_tone(call, "busy", max_s=10)
        await rig.control.wait_until_gone(call)
        return tone, aio.monotonic()

    tone, now = run(main())
    assert tone.outcome == PlayOutcome.CALLER_GONE
    assert now == pytest.approx(1, abs=0.05)


@pytest.mark.parametrize(
    "reason",
    [
        EndReason.VOICEMAIL,
        EndReason.FAX,
        EndReason.ROUTED_AWAY,
        EndReason.BLACKLISTED,
        EndReason.INVALID_NUMBER,
        EndReason.UNAVAILABLE,
        EndReason.INTERNAL_ERROR,
    ],
)
def test_hang_up_ends_the_call_with_its_reason_and_releases_the_line(reason):
    a = Phone("FXS/0", 0, "101")

    async def main() -> Any:
        rig = Rig({"101": [a]})
        call = rig.incoming()
        await rig.control.answer(call)
        rig.calls.offer_to(call.call, a)
        await rig.control.hang_up(call, reason)
        await rig.control.hang_up(call, EndReason.COMPLETED)  # a second time: nothing
        return rig, call

    rig, call = run(main())
    (record,) = rig.records
    assert (record.end_reason, record.hung_up_by) == (str(reason), "system")
    assert call.is_over and not rig.line.port.seized
    assert a.ringing is None


def test_a_tap_hears_the_caller_and_speaks_back_until_removed():
    class Echo:
        def __init__(self) -> None:
            self.heard: list[int] = []

        def frame(self, caller: np.ndarray, other: np.ndarray | None) -> np.ndarray:
            self.heard.append(int(caller[0]))
            return np.full(FRAME_SAMPLES, 321, dtype=np.int16)

    async def main() -> Any:
        rig = Rig()
        call = rig.incoming()
        await rig.control.answer(call)
        tap = Echo()
        remove = rig.control.add_tap(call, tap)
        rig.line.channel.input_frame = np.full(FRAME_SAMPLES, 77, dtype=np.int16)
        spoken = rig.ticks(3)
        remove()
        after = rig.ticks(2)
        return tap, spoken, after

    tap, spoken, after = run(main())
    assert tap.heard == [77, 77, 77]
    assert [int(frame[0]) for frame in spoken] == [321, 321, 321]
    assert all(frame is SILENCE or not frame.any() for frame in after)


def test_note_step_shows_where_the_call_is():
    async def main() -> Any:
        rig = Rig()
        call = rig.incoming()
        rig.control.note_step(call, "main/greeting", "2")
        return call

    assert run(main()).call.step == "main/greeting"
