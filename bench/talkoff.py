"""Talk-off: false DTMF digits per hour on speech and music, ours beside spandsp's receiver.

Every recording of bench.corpus is presented at a mean active level of −15 dBm0 and ±10 dB,
through A-law and through µ-law, and fed to our DtmfReceiver and to spandsp's dtmf_rx; any
digit is a false one. The same audio also goes through the fax tone detector and every
country's call-progress detector, which must stay silent on it.
"""

from __future__ import annotations

import logging
import os
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

from bench import corpus, spandsp
from firmware.countries import available_countries, load_country
from voice.dtmf import DtmfReceiver
from voice.faxtones import FaxToneDetector
from voice.g711 import LAWS
from voice.tones import CallProgressDetector

log = logging.getLogger(__name__)

LEVELS_DBM0 = tuple(corpus.NOMINAL_LEVEL_DBM0 + spread for spread in corpus.LEVEL_SPREAD_DB)
KIND_TITLES = {
    "speech": "speech (espeak-ng en/ru/uk)",
    "prompts": "prompts (asterisk-core-sounds-en)",
    "music": "music (asterisk-moh-opsound)",
}


@dataclass
class Tally:
    """False detections and CPU time over some hours of material."""

    seconds: float = 0.0
    ours: int = 0
    spandsp: int | None = None
    fax: int = 0
    progress: Counter[str] = field(default_factory=Counter)
    cpu_ours: float = 0.0
    cpu_spandsp: float = 0.0
    hits: list[str] = field(default_factory=list)

    def add(self, other: Tally) -> None:
        self.seconds += other.seconds
        self.ours += other.ours
        if other.spandsp is not None:
            self.spandsp = (self.spandsp or 0) + other.spandsp
        self.fax += other.fax
        self.progress.update(other.progress)
        self.cpu_ours += other.cpu_ours
        self.cpu_spandsp += other.cpu_spandsp
        self.hits += other.hits


def measure(material: corpus.Material) -> Tally:
    """All presentations of one recording through every detector."""
    tally = Tally()
    with_spandsp = spandsp.load_library() is not None
    if with_spandsp:
        tally.spandsp = 0
    profiles = {code: load_country(code) for code in available_countries()}
    for level in LEVELS_DBM0:
        for law in LAWS:
            audio = corpus.presented(material.samples, level, law)
            tally.seconds += audio.size / corpus.SAMPLE_RATE_HZ
            start = time.process_time()
            receiver = DtmfReceiver()
            digits = [e for e in receiver.feed(audio) + receiver.flush() if not e.ended]
            tally.cpu_ours += time.process_time() - start
            tally.ours += len(digits)
            tally.hits += [
                f"ours {e.digit} at {e.start_ms / 1000:.2f} s in {material.name}, "
                f"{level:+.0f} dBm0 {law}"
                for e in digits
            ]
            if with_spandsp:
                start = time.process_time()
                theirs = spandsp.DtmfRx().feed(audio)
                tally.cpu_spandsp += time.process_time() - start
                tally.spandsp = (tally.spandsp or 0) + len(theirs)
            fax = FaxToneDetector()
            found = [e for e in fax.feed(audio) + fax.flush() if e.active]
            tally.fax += len(found)
            tally.hits += [
                f"fax {e.tone} in {material.name}, {level:+.0f} dBm0 {law}" for e in found
            ]
            for code, profile in profiles.items():
                if profile.g711_law != law:
                    continue
                detector = CallProgressDetector(profile.tones)
                events = [e for e in detector.feed(audio) + detector.flush() if e.detected]
                tally.progress[code] += len(events)
                tally.hits += [
                    f"{code} {e.tone} in {material.name}, {level:+.0f} dBm0" for e in events
                ]
    return tally


def measure_all() -> dict[str, Tally]:
    """Tallies per kind of material (speech, prompts, music)."""
    materials = list(corpus.everything())
    tallies = {kind: Tally() for kind in KIND_TITLES}
    workers = max(1, min(len(materials), os.cpu_count() or 1))
    with ProcessPoolExecutor(workers) as pool:
        for material, tally in zip(materials, pool.map(measure, materials), strict=True):
            tallies[material.kind].add(tally)
    return tallies


def _per_hour(count: int, seconds: float) -> float:
    return count / (seconds / 3600) if seconds else 0.0


def _row(title: str, tally: Tally) -> dict:
    hours = tally.seconds / 3600
    ours_rate = _per_hour(tally.ours, tally.seconds)
    note = f"{hours:.2f} h: ours {tally.ours} false ({ours_rate:.2f}/h)"
    spandsp_rate = None
    if tally.spandsp is not None:
        spandsp_rate = _per_hour(tally.spandsp, tally.seconds)
        note += f", spandsp {tally.spandsp} false ({spandsp_rate:.2f}/h)"
    note += "; CPU over whole recordings"
    return {
        "name": f"DTMF talk-off, {title}",
        "ours_us_per_channel_s": round(tally.cpu_ours / tally.seconds * 1e6, 1)
        if tally.seconds
        else None,
        "spandsp_us_per_channel_s": (
            round(tally.cpu_spandsp / tally.seconds * 1e6, 1)
            if tally.spandsp is not None and tally.seconds
            else None
        ),
        "note": note,
        "hours": round(hours, 3),
        "false_digits_ours": tally.ours,
        "false_digits_spandsp": tally.spandsp,
        "false_per_hour_ours": round(ours_rate, 3),
        "false_per_hour_spandsp": None if spandsp_rate is None else round(spandsp_rate, 3),
    }


def run() -> list[dict]:
    """Bench rows: talk-off per kind of material and overall, then the tone detectors."""
    tallies = measure_all()
    total = Tally()
    for tally in tallies.values():
        total.add(tally)
    rows = [_row(KIND_TITLES[kind], tally) for kind, tally in tallies.items()]
    rows.append(_row("all material", total))
    hours = total.seconds / 3600
    rows.append(
        {
            "name": "fax tone false detections, all material",
            "ours_us_per_channel_s": None,
            "spandsp_us_per_channel_s": None,
            "note": f"{total.fax} in {hours:.2f} h",
            "false_detections": total.fax,
        }
    )
    progress = ", ".join(f"{code} {count}" for code, count in sorted(total.progress.items()))
    rows.append(
        {
            "name": "call-progress false recognitions, all material",
            "ours_us_per_channel_s": None,
            "spandsp_us_per_channel_s": None,
            "note": f"{progress} in {hours / 2:.2f} h per country (its own G.711 law)",
            "false_detections": sum(total.progress.values()),
        }
    )
    for hit in total.hits:
        log.info("false detection: %s", hit)
    return rows


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    rows = run()
    print(f"{'measurement':52} {'ours µs/ch·s':>13} {'spandsp':>9}  note")
    for row in rows:
        ours, theirs = row["ours_us_per_channel_s"], row["spandsp_us_per_channel_s"]
        print(
            f"{row['name']:52} {'-' if ours is None else ours:>13} "
            f"{'-' if theirs is None else theirs:>9}  {row['note']}"
        )


if __name__ == "__main__":
    main()
