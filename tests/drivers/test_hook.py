"""Hook-switch decoding on timestamped samples: debounce, flash window, pulse digits."""

from __future__ import annotations

import pytest

from drivers.hook import HookDecoder, HookEvent, HookTimings
from drivers.ports import EventKind

TIMINGS = HookTimings(
    debounce_ms=12,
    pulse_break_ms=(20, 90),
    pulse_make_ms=(20, 90),
    interdigit_ms=300,
    flash_ms=(100, 800),
)


def run(transitions: list[tuple[float, bool]], until_ms: float, *, off_hook: bool = False):
    """Feed (time ms, off-hook) transitions, polling every ms like a fast poller would."""
    decoder = HookDecoder(TIMINGS, off_hook=off_hook, now_ms=0)
    events: list[HookEvent] = []
    pending = sorted(transitions)
    for now in range(int(until_ms) + 1):
        while pending and pending[0][0] <= now:
            at, state = pending.pop(0)
            events += decoder.update(state, round(at))
        events += decoder.poll(now)
    return events


def pulse_train(start_ms: float, digit: int, pps: float, break_ratio: float):
    """Hook transitions of one dialled digit (off-hook before and after)."""
    period = 1000 / pps
    breaks = 10 if digit == 0 else digit
    transitions = []
    t = start_ms
    for _ in range(breaks):
        transitions.append((t, False))
        transitions.append((t + period * break_ratio, True))
        t += period
    return transitions, t


def test_contact_bounce_when_lifting_gives_one_off_hook_dated_at_the_last_edge():
    # 60 ms of 3-8 ms toggles, ending off-hook at 60 ms.
    edges = [0, 4, 9, 15, 18, 26, 31, 38, 44, 47, 53, 56, 60]
    transitions = [(t, i % 2 == 0) for i, t in enumerate(edges)]
    events = run(transitions, 2000)
    assert events == [HookEvent(EventKind.OFF_HOOK, 60)]


def test_flash_inside_the_window_is_accepted_at_both_ends():
    for duration in (100, 450, 800):
        events = run([(1000, False), (1000 + duration, True)], 3000, off_hook=True)
        assert events == [HookEvent(EventKind.FLASH, 1000 + duration)], duration


def test_flash_longer_than_the_window_is_a_hang_up_dated_when_it_began():
    events = run([(1000, False), (1000 + 801, True)], 3000, off_hook=True)
    assert events == [HookEvent(EventKind.ON_HOOK, 1000), HookEvent(EventKind.OFF_HOOK, 1801)]


def test_break_between_pulse_and_flash_windows_gives_no_event():
    assert run([(1000, False), (1095, True)], 3000, off_hook=True) == []


def test_break_shorter_than_debounce_is_invisible():
    assert run([(1000, False), (1010, True)], 3000, off_hook=True) == []


@pytest.mark.parametrize("pps", [8, 10, 12])
@pytest.mark.parametrize("break_ratio", [0.6, 2 / 3])
def test_pulse_digits_decode(pps, break_ratio):
    transitions = []
    t = 500.0
    for digit in [1, 2, 3, 4, 5, 6, 7, 8, 9, 0]:
        train, t = pulse_train(t, digit, pps, break_ratio)
        transitions += train
        t += 600  # interdigit pause
    events = run(transitions, t + 1000, off_hook=True)
    assert [e.kind for e in events] == [EventKind.PULSE_DIGIT] * 10
    assert "".join(e.digit or "" for e in events) == "1234567890"


def test_digit_is_dated_at_its_last_make_and_reported_after_the_interdigit_time():
    decoder = HookDecoder(TIMINGS, off_hook=True, now_ms=0)
    decoder.update(False, 100)
    decoder.update(True, 160)
    assert decoder.poll(459) == []
    assert decoder.poll(460) == [HookEvent(EventKind.PULSE_DIGIT, 160, "1")]


def test_make_longer_than_the_window_starts_the_next_digit():
    transitions = [(100, False), (160, True), (260, False), (320, True), (360, False), (420, True)]
    events = run(transitions, 2000, off_hook=True)
    assert [e.digit for e in events] == ["1", "2"]


def test_hang_up_during_dialling_drops_the_partial_digit():
    transitions = [(100, False), (160, True), (200, False)]
    events = run(transitions, 2000, off_hook=True)
    assert events == [HookEvent(EventKind.ON_HOOK, 200)]


def test_next_deadline_tracks_debounce_then_the_flash_limit():
    decoder = HookDecoder(TIMINGS, off_hook=True, now_ms=0)
    assert decoder.next_deadline_ms() is None
    decoder.update(False, 1000)
    assert decoder.next_deadline_ms() == 1012
    decoder.poll(1012)
    assert decoder.next_deadline_ms() == 1801


def test_timings_reject_overlapping_pulse_and_flash_windows():
    with pytest.raises(ValueError, match="flash_ms must start above"):
        HookTimings(pulse_break_ms=(20, 120), flash_ms=(100, 800))
