"""The far end of an exchange line hangs up: loop-current drop, polarity reversal or busy
tone, whichever the exchange gives, ends the call within a second; nothing else does."""

from __future__ import annotations

import numpy as np
import pytest

from firmware.countries import load_country
from firmware.simulator import SimulatedAppliance
from tests.firmware.engine.fxs_helpers import hears_from, wall
from tests.firmware.engine.test_inbound import config, hook_changes, ring_in, run_until
from tests.voice import material

DETECT_WITHIN_S = 1.0
CALLER = ("4957654321", "PETROV")


class AnsweredCall:
    """An inbound call with caller ID, answered on 101 and talked over."""

    def __init__(self, pbx: SimulatedAppliance) -> None:
        self.pbx = pbx
        self.phone, self.line = pbx.phone("101"), pbx.line(0)
        self.hooks = hook_changes(pbx, 0)
        self.rang_at = wall(pbx)
        ring_in(pbx, self.line, self.phone, *CALLER)
        run_until(pbx, lambda: self.phone.caller_id() is not None, 10)
        self.shown = self.phone.caller_id()
        self.phone.off_hook()
        self.answered_at = wall(pbx)
        pbx.run_for(0.3)
        self.both_ways = (
            hears_from(pbx, self.phone, self.line, 1000),
            hears_from(pbx, self.line, self.phone, 700),
        )

    def far_end_hangs_up(self, method: str) -> float:
        """The far end clears; returns how long until the appliance released the line."""
        hung_up = self.pbx.loop.time()
        self.hung_up_at = wall(self.pbx)
        self.line.hang_up(method)
        run_until(self.pbx, lambda: not self.pbx.line(0).is_seized(), 5)
        released = next(time for time, off_hook in self.hooks if not off_hook)
        return released - hung_up


@pytest.mark.parametrize("country", ["RU", "US"])
@pytest.mark.parametrize("method", ["loop", "polarity", "busy"])
def test_far_end_hang_up_is_noticed_within_a_second(country, method):
    with SimulatedAppliance(config(country)) as pbx:
        call = AnsweredCall(pbx)
        took_s = call.far_end_hangs_up(method)
        pbx.run_for(2.5)
        after = call.phone.hears(2)
        call.phone.on_hook()
        pbx.run_for(1.5)
        (row,) = pbx.history()
    assert call.shown.number == CALLER[0] and call.shown.name == CALLER[1]
    assert call.both_ways == pytest.approx((-10, -10), abs=1)
    assert took_s <= DETECT_WITHIN_S, f"{method}: released {took_s:.3f} s after the hang-up"
    assert after.tone == "busy"  # the appliance's own busy tone, the line being gone
    assert row["direction"] == "inbound"
    assert (row["from_number"], row["from_name"], row["line_port"]) == (*CALLER, 4)
    assert 0 < row["started_at"] - call.rang_at < 0.5  # the first ring
    assert row["answered_at"] == pytest.approx(call.answered_at, abs=0.1)
    assert 0 <= row["ended_at"] - call.hung_up_at <= DETECT_WITHIN_S
    assert (row["end_reason"], row["hung_up_by"]) == ("completed", "caller")
    legs = {leg["channel"]: leg for leg in row["legs"]}
    assert (legs["FXO/4"]["role"], legs["FXS/0"]["role"]) == ("caller", "callee")


@pytest.mark.parametrize("country", ["RU", "US"])
def test_busy_tone_is_noticed_while_the_extension_is_talking(country):
    """The echo canceller keeps 101's own voice out of what the tone detector hears."""
    with SimulatedAppliance(config(country)) as pbx:
        call = AnsweredCall(pbx)
        call.phone.say(1300, -10)
        pbx.run_for(2)
        took_s = call.far_end_hangs_up("busy")
    assert took_s <= DETECT_WITHIN_S


def ringback(country: str) -> np.ndarray:
    """A cycle and a half of the country's ringback tone, made here from its spec."""
    spec = load_country(country).tones["ringback"]
    on_ms, off_ms = spec.cadence_ms[:2]
    t = np.arange(round((on_ms + off_ms + on_ms) * 8)) / 8000
    gate = ((t * 1000) % (on_ms + off_ms)) < on_ms
    return gate * sum(np.sin(2 * np.pi * f * t) for f in spec.frequencies)


@pytest.fixture(scope="module")
def speech(tmp_path_factory):
    return material.speech(tmp_path_factory.mktemp("speech"))


@pytest.mark.parametrize("country", ["RU", "US"])
def test_speech_music_and_ringback_from_the_far_end_do_not_end_the_call(country, speech):
    tune = material.music(8.0)
    with SimulatedAppliance(config(country)) as pbx:
        call = AnsweredCall(pbx)
        for sound in (speech[: 8 * 8000], tune, ringback(country)):
            call.line.say(np.round(material.scaled_to(sound, -12)).astype(np.int16))
            pbx.run_for(len(sound) / 8000)
        call.line.say(None)
        assert pbx.line(0).is_seized()
        assert hears_from(pbx, call.line, call.phone, 700) == pytest.approx(-10, abs=1)


def test_busy_tone_is_ignored_when_its_supervision_is_off():
    document = config("RU", disconnect={"busy_tone": False, "polarity_reversal": False})
    with SimulatedAppliance(document) as pbx:
        call = AnsweredCall(pbx)
        call.line.hang_up("busy")
        pbx.run_for(4)
        assert pbx.line(0).is_seized()  # still up: the user decides
        assert call.phone.hears(2).tone == "busy"  # hearing the exchange's
        call.phone.on_hook()
        pbx.run_for(1.5)
        assert not pbx.line(0).is_seized()


def test_polarity_reversal_is_ignored_when_its_supervision_is_off():
    document = config("US", disconnect={"polarity_reversal": False})
    with SimulatedAppliance(document) as pbx:
        call = AnsweredCall(pbx)
        call.line.hang_up("polarity")
        pbx.run_for(3)
        assert pbx.line(0).is_seized()


def answered_plain_call(pbx: SimulatedAppliance) -> None:
    """The exchange rings line 0 (no caller ID) and 101 answers."""
    phone = pbx.phone("101")
    ring_in(pbx, pbx.line(0), phone, None)
    phone.off_hook()
    pbx.run_for(1)


def test_busy_tone_supervision_follows_a_change_of_country():
    """Lines in GB on an appliance set to US: the GB busy tone (400 Hz) is not a US busy
    tone, so the line stays up until someone hangs up. Once the country is set to GB, the
    next call is freed by the exchange's busy tone, without a restart."""
    with SimulatedAppliance(config("US"), world_country="GB") as pbx:
        answered_plain_call(pbx)
        pbx.line(0).hang_up("busy")
        pbx.run_for(4)
        held_with_the_wrong_country = pbx.line(0).is_seized()
        pbx.phone("101").on_hook()
        pbx.run_for(2)
        assert not pbx.line(0).is_seized()

        pbx.save_config(config("GB"))
        pbx.run_for(1)
        answered_plain_call(pbx)
        hooks = hook_changes(pbx, 0)
        hung_up = pbx.loop.time()
        pbx.line(0).hang_up("busy")
        run_until(pbx, lambda: not pbx.line(0).is_seized(), 5)
        released = next(time for time, off_hook in hooks if not off_hook)
    assert held_with_the_wrong_country
    assert released - hung_up <= DETECT_WITHIN_S
