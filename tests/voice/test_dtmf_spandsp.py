"""Our DTMF receiver and generator against spandsp's, an independent implementation."""

from __future__ import annotations

import pytest

from bench import spandsp
from tests.voice.signals import ALL_DIGITS
from voice.dtmf import DtmfGenerator, decode

pytestmark = pytest.mark.skipif(
    spandsp.load_library() is None, reason="libspandsp2 is not installed (Debian libspandsp2)"
)


@pytest.mark.parametrize(
    ("on_ms", "off_ms", "level", "twist"),
    [(100, 100, -10, 0), (50, 50, -25, 0), (40, 40, -6, 2), (45, 45, -17, -8), (60, 40, -20, 4)],
)
def test_spandsp_generated_digits_are_decoded(on_ms, off_ms, level, twist):
    audio = spandsp.dtmf_generate(ALL_DIGITS * 2, on_ms, off_ms, level, twist)
    assert decode(audio) == ALL_DIGITS * 2


@pytest.mark.parametrize(("level", "twist"), [(-6, 2), (-20, 0), (-10, -4)])
def test_spandsp_receiver_decodes_our_generator(level, twist):
    generator = DtmfGenerator(on_ms=50, off_ms=50, level_dbm0=level, twist_db=twist)
    receiver = spandsp.DtmfRx()
    assert receiver.feed(generator.signal(ALL_DIGITS * 2)) == ALL_DIGITS * 2
