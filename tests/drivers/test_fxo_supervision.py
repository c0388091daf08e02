"""Line supervision decisions from timestamped line-voltage and loop-current readings."""

from drivers.fxo_supervision import LineSupervisor, SupervisionSettings
from drivers.ports import EventKind

STEP_MS = 20


def play(supervisor: LineSupervisor, readings, start_ms: int = 0):
    """readings: (duration_ms, volts, loop_ma) segments, sampled every STEP_MS."""
    events = []
    now = start_ms
    for duration_ms, volts, loop_ma in readings:
        end = now + duration_ms
        while now < end:
            events.extend(supervisor.sample(now, volts, loop_ma))
            now += STEP_MS
    return events, now


def kinds(events):
    return [event.kind for event in events]


def test_no_battery_for_the_alarm_time_loses_the_line_and_its_return_restores_it():
    supervisor = LineSupervisor(SupervisionSettings(no_line_alarm_ms=1000, line_restore_ms=200))
    events, _ = play(supervisor, [(500, 48, 0), (1500, 0, 0), (1000, 48, 0)])
    assert kinds(events) == [EventKind.LINE_LOST, EventKind.LINE_RESTORED]
    lost, restored = events
    assert lost.at_ms == 500 and restored.at_ms == 2000  # when each condition began
    assert not supervisor.line_lost


def test_a_short_battery_dip_raises_no_alarm():
    supervisor = LineSupervisor(SupervisionSettings(no_line_alarm_ms=1000))
    events, _ = play(supervisor, [(500, 48, 0), (900, 0, 0), (500, 48, 0)])
    assert events == []


def test_a_polarity_blip_is_ignored_and_a_reversal_that_stays_is_reported_once():
    supervisor = LineSupervisor(SupervisionSettings(polarity_debounce_ms=100))
    events, _ = play(supervisor, [(200, 48, 0), (40, -48, 0), (300, 48, 0), (500, -48, 0)])
    assert kinds(events) == [EventKind.POLARITY]
    assert (
        events[0].at_ms == 540 and "reversed" in events[0].detail and "on-hook" in events[0].detail
    )
    assert supervisor.polarity == -1


def test_a_dead_line_has_no_polarity_to_reverse():
    supervisor = LineSupervisor()
    events, _ = play(supervisor, [(200, -48, 0), (2000, 0, 0), (300, -48, 0)])
    assert EventKind.POLARITY not in kinds(events)


def seized_supervisor(**settings):
    supervisor = LineSupervisor(SupervisionSettings(**settings))
    supervisor.sample(0, 48, 0)
    supervisor.seize(0)
    return supervisor


def test_loop_current_dropping_longer_than_configured_is_a_loop_drop():
    supervisor = seized_supervisor(disconnect_loop_drop_ms=300, seize_guard_ms=500)
    events, _ = play(supervisor, [(1000, 10, 40), (400, 0, 0), (600, 10, 40)])
    assert kinds(events) == [EventKind.LOOP_DROP]
    assert events[0].at_ms == 1000


def test_a_100_ms_loop_current_dip_is_not_a_loop_drop():
    supervisor = seized_supervisor(disconnect_loop_drop_ms=300)
    events, _ = play(supervisor, [(1000, 10, 40), (100, 10, 0), (1000, 10, 40)])
    assert events == []


def test_loop_current_is_not_judged_while_it_settles_after_seizure():
    supervisor = seized_supervisor(disconnect_loop_drop_ms=300, seize_guard_ms=500)
    events, _ = play(supervisor, [(480, 10, 0), (1000, 10, 40)])
    assert events == []


def test_a_polarity_reversal_while_seized_is_reported_as_off_hook():
    supervisor = seized_supervisor()
    events, _ = play(supervisor, [(600, 10, 40), (600, -10, 40)])
    assert kinds(events) == [EventKind.POLARITY]
    assert "off-hook" in events[0].detail


def test_no_line_alarm_does_not_apply_while_seized():
    supervisor = seized_supervisor()
    events, _ = play(supervisor, [(3000, 0, 0)])
    assert EventKind.LINE_LOST not in kinds(events)
    assert kinds(events) == [EventKind.LOOP_DROP]


def test_a_far_end_that_clears_just_after_the_answer_is_a_loop_drop():
    supervisor = seized_supervisor(disconnect_loop_drop_ms=300, seize_guard_ms=500)
    events, _ = play(supervisor, [(40, 10, 40), (400, 0, 0), (1000, 10, 40)])
    assert kinds(events) == [EventKind.LOOP_DROP]
    assert events[0].at_ms == 40


def test_once_the_seizure_saw_loop_current_an_early_drop_counts_before_any_sample():
    supervisor = seized_supervisor(disconnect_loop_drop_ms=300, seize_guard_ms=500)
    supervisor.loop_established()
    events, _ = play(supervisor, [(400, 0, 0), (1000, 10, 40)])
    assert kinds(events) == [EventKind.LOOP_DROP]
    assert events[0].at_ms == 0
