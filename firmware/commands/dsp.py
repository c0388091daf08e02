"""`switchboard dsp`: the voice blocks on WAV files, for technicians and offline checks.

    switchboard dsp dtmf FILE              one line per digit: DIGIT START_MS DURATION_MS
    switchboard dsp callerid FILE          decoded fields as JSON, with the detected standard
    switchboard dsp faxtone FILE           CNG / CED (ANS, ANSam) events with times
    switchboard dsp tones FILE --country RU   call-progress tones recognised, with times
    switchboard dsp echo FAR NEAR -o OUT   cancel FAR's echo in NEAR, print the ERLE
    switchboard dsp gen dtmf|tone|callerid ... -o FILE   write test signals

Files are read as 8 kHz mono 16-bit (other rates and channel counts are converted).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

from drivers.frames import FRAME_SAMPLES
from firmware.commands import fax_rx
from firmware.commands.audio_files import SAMPLE_RATE, AudioFileError, read_audio, write_audio


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    dsp = subparsers.add_parser("dsp", help="run the voice DSP blocks on WAV files")
    commands = dsp.add_subparsers(title="dsp commands", metavar="ACTION")

    dtmf = commands.add_parser("dtmf", help="DTMF digits: DIGIT START_MS DURATION_MS")
    dtmf.add_argument("file", type=Path)
    dtmf.set_defaults(handler=_guarded(dtmf_command))

    callerid = commands.add_parser("callerid", help="caller ID (Bell 202, V.23, DTMF) as JSON")
    callerid.add_argument("file", type=Path)
    callerid.set_defaults(handler=_guarded(callerid_command))

    faxtone = commands.add_parser("faxtone", help="CNG and CED/ANSam events with times")
    faxtone.add_argument("file", type=Path)
    faxtone.set_defaults(handler=_guarded(faxtone_command))

    tones = commands.add_parser("tones", help="call-progress tones of a country")
    tones.add_argument("file", type=Path)
    tones.add_argument("--country", default="US", help="ISO country code (default %(default)s)")
    tones.set_defaults(handler=_guarded(tones_command))

    echo = commands.add_parser("echo", help="cancel the echo of FAR in NEAR, print ERLE")
    echo.add_argument("far", type=Path, help="what was sent to the line")
    echo.add_argument("near", type=Path, help="what came back from the line")
    echo.add_argument("-o", "--output", type=Path, required=True)
    echo.add_argument("--tail-ms", type=float, default=64.0)
    echo.set_defaults(handler=_guarded(echo_command))

    fax_rx.add_parser(commands)

    gen = commands.add_parser("gen", help="write test signals")
    kinds = gen.add_subparsers(title="signals", metavar="SIGNAL")
    gen_dtmf = kinds.add_parser("dtmf", help="DTMF digits")
    gen_dtmf.add_argument("digits")
    gen_dtmf.add_argument("--on-ms", type=float, default=100.0)
    gen_dtmf.add_argument("--off-ms", type=float, default=100.0)
    gen_dtmf.add_argument("--level", type=float, default=-7.0, help="dBm0 of the low tone")
    gen_dtmf.add_argument("--twist", type=float, default=2.0, help="high group louder by dB")
    gen_dtmf.add_argument("-o", "--output", type=Path, required=True)
    gen_dtmf.set_defaults(handler=_guarded(gen_dtmf_command))
    gen_tone = kinds.add_parser("tone", help="a country's tone, or frequencies you give")
    gen_tone.add_argument("name", nargs="?", help="dial, busy, ringback, congestion, …")
    gen_tone.add_argument("--country", default="US")
    gen_tone.add_argument("--freq", type=float, action="append", help="Hz (repeatable)")
    gen_tone.add_argument("--level", type=float, default=-10.0, help="dBm0 per frequency")
    gen_tone.add_argument("--seconds", type=float, default=5.0)
    gen_tone.add_argument("-o", "--output", type=Path, required=True)
    gen_tone.set_defaults(handler=_guarded(gen_tone_command))
    gen_cid = kinds.add_parser("callerid", help="caller-ID signal")
    gen_cid.add_argument("--standard", default="bell202", choices=("bell202", "etsi_fsk", "dtmf"))
    gen_cid.add_argument("--number")
    gen_cid.add_argument("--name")
    gen_cid.add_argument("--time", help="MMDDHHMM")
    gen_cid.add_argument("--alert", action="store_true", help="ETSI DT-AS before the data")
    gen_cid.add_argument("-o", "--output", type=Path, required=True)
    gen_cid.set_defaults(handler=_guarded(gen_callerid_command))
    return dsp


def _guarded(command: Any) -> Any:
    def run(args: argparse.Namespace) -> int:
        try:
            return int(command(args))
        except (AudioFileError, ValueError) as error:
            print(f"switchboard dsp: {error}", file=sys.stderr)
            return 1

    return run


END_SILENCE_S = 0.5  # appended so that a signal still sounding at the end is reported ended


def _frames(samples: np.ndarray):  # type: ignore[no-untyped-def]
    padded = np.concatenate([samples, np.zeros(int(END_SILENCE_S * SAMPLE_RATE), np.int16)])
    for start in range(0, len(padded), FRAME_SAMPLES):
        yield padded[start : start + FRAME_SAMPLES]


def dtmf_command(args: argparse.Namespace) -> int:
    from voice.dtmf import DtmfReceiver

    receiver = DtmfReceiver()
    for frame in _frames(read_audio(args.file)):
        for event in receiver.feed(frame):
            if event.ended:
                print(f"{event.digit} {event.start_ms:.0f} {event.duration_ms:.0f}")
    return 0


def callerid_command(args: argparse.Namespace) -> int:
    from voice.callerid import CallerIdReceiver

    receiver = CallerIdReceiver()
    results = []
    for frame in _frames(read_audio(args.file)):
        results += receiver.feed(frame)
    messages = [_caller_id_json(result) for result in results]
    print(json.dumps(messages, indent=2, ensure_ascii=False))
    return 0 if any(message["status"] == "ok" for message in messages) else 1


def _caller_id_json(result: Any) -> dict[str, Any]:
    message: dict[str, Any] = {
        "standard": result.standard.value,
        "standard_name": result.standard.description,
        "status": result.status.value,
        "at_ms": round(result.sample * 1000 / SAMPLE_RATE),
    }
    caller = result.caller_id
    if caller is not None:
        for field in ("number", "name", "message_waiting", "message_count"):
            value = getattr(caller, field)
            if value is not None:
                message[field] = value
        if caller.time is not None:
            message["time"] = caller.time.digits()
        for field in ("number_absence", "name_absence"):
            value = getattr(caller, field)
            if value is not None:
                message[field] = value.name.lower()
    if result.detail:
        message["detail"] = result.detail
    return message


def faxtone_command(args: argparse.Namespace) -> int:
    from voice.faxtones import FaxToneDetector

    detector = FaxToneDetector()
    for frame in _frames(read_audio(args.file)):
        for event in detector.feed(frame):
            state = "start" if event.active else "end"
            reversals = " phase-reversals" if event.phase_reversals else ""
            print(
                f"{event.tone.upper()} {state} {event.time_ms:.0f} ms "
                f"{event.frequency_hz:.1f} Hz {event.level_dbm0:.1f} dBm0{reversals}"
            )
    return 0


def tones_command(args: argparse.Namespace) -> int:
    from firmware.countries import load_country
    from voice.tones.detector import CallProgressDetector

    detector = CallProgressDetector(load_country(args.country).tones)
    for frame in _frames(read_audio(args.file)):
        for event in detector.feed(frame):
            state = "recognised" if event.detected else "ended"
            print(
                f"{event.tone} {state} {event.time_ms:.0f} ms (decided {event.detected_ms:.0f} ms)"
            )
    return 0


def echo_command(args: argparse.Namespace) -> int:
    from voice.echo import EchoCanceller
    from voice.level import level_dbm0

    far, near = read_audio(args.far), read_audio(args.near)
    length = min(len(far), len(near))
    canceller = EchoCanceller(tail_ms=args.tail_ms)
    cleaned = np.concatenate(
        [
            canceller.process(far[i : i + FRAME_SAMPLES], near[i : i + FRAME_SAMPLES])
            for i in range(0, length, FRAME_SAMPLES)
        ]
    )
    write_audio(args.output, cleaned)
    second = SAMPLE_RATE
    tail = slice(max(0, length - 2 * second), length)
    erle = level_dbm0(near[tail]) - level_dbm0(cleaned[tail])
    print(f"ERLE over the last 2 s: {erle:.1f} dB (canceller estimate {canceller.erle_db:.1f} dB)")
    return 0


def gen_dtmf_command(args: argparse.Namespace) -> int:
    from voice.dtmf import DtmfGenerator

    generator = DtmfGenerator(
        on_ms=args.on_ms, off_ms=args.off_ms, level_dbm0=args.level, twist_db=args.twist
    )
    generator.put(args.digits)
    chunks = []
    while not generator.done:
        chunks.append(generator.read(FRAME_SAMPLES))
    write_audio(args.output, np.concatenate(chunks))
    return 0


def gen_tone_command(args: argparse.Namespace) -> int:
    from firmware.countries import ToneSpec, load_country
    from voice.tones.generator import ToneGenerator

    if args.freq:
        spec = ToneSpec(frequencies=tuple(args.freq), level_dbm0=args.level)
    elif args.name:
        tones = load_country(args.country).tones
        if args.name not in tones:
            raise ValueError(f"{args.country} has no tone {args.name!r}; it has {', '.join(tones)}")
        spec = tones[args.name]
    else:
        raise ValueError("name a tone (dial, busy, …) or give --freq")
    write_audio(args.output, ToneGenerator(spec).read(round(args.seconds * SAMPLE_RATE)))
    return 0


def gen_callerid_command(args: argparse.Namespace) -> int:
    from voice.callerid import Absence, CallerId, CallTime, encode_caller_id

    caller = CallerId(
        number=args.number,
        number_absence=None if args.number else Absence.UNAVAILABLE,
        name=args.name,
        time=CallTime.from_digits(args.time) if args.time else None,
    )
    write_audio(args.output, encode_caller_id(caller, args.standard, alert=args.alert))
    return 0
