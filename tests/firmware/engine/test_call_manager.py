"""CallManager's verbs with fake endpoints and no hat: who is offered a call, who talks to
whom, and the end reason every way a call can end is recorded with."""

from __future__ import annotations

from collections.abc import Callable

from aio import host
from firmware.engine.call import CallState, Indication, Party
from firmware.engine.calls import CallManager
from firmware.engine.history import CallRecord
from firmware.verbs import Direction, EndReason
from tests.firmware.engine.test_call_control import Phone


class Caller(Phone):
    """A phone that places calls and notes what it is told."""

    def __init__(self, name: str = "FXS/0", number: str = "101") -> None:
        super().__init__(name, 0, number)
        self.indications: list[Indication] = []

    def progress(self, call, indication):  # type: ignore[no-untyped-def]
        self.indications.append(indication)


def run(test: Callable[[CallManager, list[CallRecord]], None]) -> list[CallRecord]:
    records: list[CallRecord] = []

    async def body() -> None:
        test(CallManager(record_call=records.append), records)

    host.run(body(), virtual=True)
    return records


def legs(record: CallRecord) -> dict[str, str]:
    return {leg.channel: leg.end_reason for leg in record.legs}


def test_a_placed_call_rings_every_target_and_the_first_answer_takes_it():
    def scenario(calls: CallManager, _records: list[CallRecord]) -> None:
        a, b, c = Caller(), Phone("FXS/1", 1, "102"), Phone("FXS/2", 2, "102")
        call = calls.place(a, a.party, "102", [b, c], direction=Direction.INTERNAL)
        assert call.alerting == [b, c] and a.indications == [Indication.RINGBACK]
        calls.answer(call, c)
        assert call.state is CallState.CONNECTED and call.parties == [a, c]
        assert b.ringing is None  # withdrawn
        calls.hang_up(a, call)
        assert c.released_calls == [call]

    (record,) = run(scenario)
    assert (record.end_reason, record.hung_up_by) == (EndReason.COMPLETED, "caller")
    assert legs(record)["FXS/1"] == EndReason.ANSWERED_ELSEWHERE
    assert record.answered_at is not None


def test_busy_and_unreachable_targets():
    def scenario(calls: CallManager, _records: list[CallRecord]) -> None:
        a = Caller()
        busy = Phone("FXS/1", 1, "102", busy=True)
        calls.place(a, a.party, "102", [busy], direction=Direction.INTERNAL)
        calls.place(a, a.party, "103", [], direction=Direction.INTERNAL)
        assert a.indications == [Indication.BUSY, Indication.CONGESTION]

    first, second = run(scenario)
    assert (first.end_reason, second.end_reason) == (EndReason.BUSY, EndReason.UNAVAILABLE)


def test_refused_numbers_are_recorded_with_their_reason():
    def scenario(calls: CallManager, _records: list[CallRecord]) -> None:
        a = Caller()
        calls.refuse(a, a.party, "999", EndReason.INVALID_NUMBER)
        calls.refuse(a, a.party, "95551234", EndReason.ALL_LINES_BUSY, direction=Direction.OUTBOUND)

    invalid, lines_busy = run(scenario)
    assert (invalid.end_reason, lines_busy.end_reason) == (
        EndReason.INVALID_NUMBER,
        EndReason.ALL_LINES_BUSY,
    )
    assert lines_busy.direction == "outbound"


def test_the_caller_giving_up_and_the_callee_declining():
    def scenario(calls: CallManager, _records: list[CallRecord]) -> None:
        a, b = Caller(), Phone("FXS/1", 1, "102")
        gave_up = calls.place(a, a.party, "102", [b], direction=Direction.INTERNAL)
        calls.hang_up(a, gave_up)
        assert b.ringing is None
        declined = calls.place(a, a.party, "102", [b], direction=Direction.INTERNAL)
        calls.hang_up(b, declined)
        assert a.released_calls == [declined]

    gave_up, declined = run(scenario)
    assert (gave_up.end_reason, gave_up.hung_up_by) == (EndReason.CALLER_GAVE_UP, "caller")
    assert legs(gave_up)["FXS/1"] == EndReason.CALLER_GAVE_UP
    assert (declined.end_reason, declined.hung_up_by) == (EndReason.NO_ANSWER, "callee")
    assert legs(declined)["FXS/1"] == EndReason.DECLINED


def test_a_target_that_cannot_complete_the_call_declines_it_with_its_reason():
    def scenario(calls: CallManager, _records: list[CallRecord]) -> None:
        a, line = Caller(), Phone("FXO/4", 4, "")
        call = calls.place(a, a.party, "95551234", [line], direction=Direction.OUTBOUND)
        calls.decline(line, call, EndReason.NO_DIAL_TONE)
        assert a.indications[-1] is Indication.CONGESTION

    (record,) = run(scenario)
    assert record.end_reason == EndReason.NO_DIAL_TONE
    assert legs(record)["FXO/4"] == EndReason.NO_DIAL_TONE


def test_hold_resume_attended_transfer_and_conference():
    def scenario(calls: CallManager, _records: list[CallRecord]) -> None:
        a, b, c = Caller(), Phone("FXS/1", 1, "102"), Phone("FXS/2", 2, "103")
        first = calls.place(a, a.party, "102", [b], direction=Direction.INTERNAL)
        calls.answer(first, b)
        calls.hold(a, first)
        assert first.held_by is a
        calls.resume(a, first)
        assert first.held_by is None
        calls.hold(a, first)
        consult = calls.place(a, a.party, "103", [c], direction=Direction.INTERNAL)
        calls.answer(consult, c)
        calls.transfer(a, first, consult)
        assert consult.parties == [b, c]  # b and c talk; a left both
        calls.hang_up(b, consult)

        d, e, f = Caller("FXS/3", "104"), Phone("FXS/4", 4, "105"), Phone("FXS/5", 5, "106")
        held = calls.place(d, d.party, "105", [e], direction=Direction.INTERNAL)
        calls.answer(held, e)
        calls.hold(d, held)
        third = calls.place(d, d.party, "106", [f], direction=Direction.INTERNAL)
        calls.answer(third, f)
        merged = calls.conference(d, held, third)
        assert set(merged.parties) == {d, e, f}

    transferred, completed, joined = run(scenario)
    assert transferred.end_reason == EndReason.TRANSFERRED
    assert completed.end_reason == EndReason.COMPLETED
    assert joined.end_reason == EndReason.JOINED_CONFERENCE


def test_routed_calls_offer_step_by_step_and_end_as_routing_or_the_system_says():
    def scenario(calls: CallManager, _records: list[CallRecord]) -> None:
        line, b = Phone("FXO/4", 4, ""), Phone("FXS/1", 1, "102")
        call = calls.open(line, Party("5550100"), "5550000", direction=Direction.INBOUND)
        assert call.state is CallState.ALERTING and not call.alerting
        assert calls.offer_to(call, b)
        calls.stop_offering(call, b, EndReason.NO_ANSWER)
        assert b.ringing is None and call.state is CallState.ALERTING  # routing goes on
        call.outcome = EndReason.BUSY  # the caller is hearing busy tone
        calls.hang_up(line, call)

        again = calls.open(line, Party("5550101"), "5550000", direction=Direction.INBOUND)
        calls.offer_to(again, b)
        calls.abort(again, EndReason.INTERNAL_ERROR)
        assert b.ringing is None and again in line.released_calls

        last = calls.open(line, Party("5550102"), "5550000", direction=Direction.INBOUND)
        calls.end(last, EndReason.SYSTEM_SHUTDOWN, hung_up_by="system")

    busy, failed, shutdown = run(scenario)
    assert legs(busy)["FXS/1"] == EndReason.NO_ANSWER
    assert busy.end_reason == EndReason.BUSY
    assert (failed.end_reason, failed.hung_up_by) == (EndReason.INTERNAL_ERROR, "system")
    assert shutdown.end_reason == EndReason.SYSTEM_SHUTDOWN
