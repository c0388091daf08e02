"""Voice quality of the simulated hat's voice paths: ITU-T P.862 (PESQ, narrow band) MOS-LQO.

Recorded speech (English, then Russian; see `bench.voice_paths`) is carried phone to phone,
outside line to phone and phone to outside line, in the US (µ-law) and in Russia (A-law),
and scored against the speech as spoken. Beside each path: one and two passes of the same
speech through G.711 (the best a G.711 path can do), and the score after every stage of the
path, so a loss shows where it happens. Nothing here times anything; the note carries the
scores.

How to read it: the engine's paths are bit-transparent (phone to phone and phone to outside
line score what one G.711 pass scores, and a second pass changes nothing). On an outside
line to phone call the DAA codes the simulated exchange line's own noise (−70 dBm0); A-law
has no zero level, so that noise would become a one-step hiss in every pause, which PESQ
hears against the silent original (0.14 lost on the Russian speech). The engine hears a
line frame no louder than that as silence (`firmware.engine.port_channel.LINE_SQUELCH_DBM0`).
"""

from __future__ import annotations

from bench.voice_paths import (
    COUNTRY_LAWS,
    PATHS,
    TURN_S,
    carry,
    g711_passes,
    pesq_score,
    recorded_speech,
    with_edges,
)

LANGUAGES = {"en": "ru", "ru": "en"}  # measured speech: the listener's turn is the other voice


def run() -> list[dict]:
    rows = []
    for language, other in LANGUAGES.items():
        speech = recorded_speech(language)
        turn = recorded_speech(other, TURN_S)
        sent = with_edges(speech)
        for country, law in COUNTRY_LAWS.items():
            one, two = (pesq_score(sent, g711_passes(sent, law, n)) for n in (1, 2))
            rows.append(
                {
                    "name": f"PESQ {language} {country}: G.711 {law}, one pass",
                    "note": f"MOS-LQO {one:.3f}; two passes {two:.3f}",
                }
            )
            for path in PATHS:
                carried = carry(path, country, speech, turn)
                stages = ", ".join(
                    f"{stage} {pesq_score(sent, audio):.3f}"
                    for stage, audio in carried.stages.items()
                )
                score = pesq_score(sent, carried.heard)
                rows.append(
                    {
                        "name": f"PESQ {language} {country}: {path}",
                        "note": (
                            f"MOS-LQO {score:.3f} ({score - one:+.3f} against one pass); "
                            f"by stage: {stages}"
                        ),
                    }
                )
    return rows
