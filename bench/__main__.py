"""`make bench`: the cost of every DSP block and of the engine, beside spandsp where it exists.

Figures are microseconds of CPU per channel-second of audio (1e6 means one whole core per
channel); "channels per core" is how many such channels one core of this machine carries.
Nothing here asserts on time: it measures and prints.
"""

from __future__ import annotations

import importlib
import logging
import platform
import sys
import time

from bench.corpus import CorpusMissing

MODULES: tuple[str, ...] = (
    "dtmf",
    "tones",
    "callerid",
    "echo",
    "engine",
    "routed_calls",
    "talkoff",
)
MODULES += ("routing_reports", "voicemail", "fax")
MODULES += ("pesq",)
US_PER_SECOND = 1e6


def _format(row: dict) -> str:
    ours = row.get("ours_us_per_channel_s")
    theirs = row.get("spandsp_us_per_channel_s")
    ours_text = "-" if ours is None else f"{ours:10.0f}"
    channels = "-" if not ours else f"{US_PER_SECOND / ours:8.0f}"
    theirs_text = "-" if theirs is None else f"{theirs:10.0f}"
    ratio = "-" if not (ours and theirs) else f"{ours / theirs:6.1f}x"
    return (
        f"{row['name'][:52]:52} {ours_text:>10} {channels:>8} {theirs_text:>10} {ratio:>7}"
        f"  {row.get('note', '')}"
    )


USAGE = f"usage: python -m bench [{' | '.join(MODULES)} ...]  (all of them by default)"


def main(names: list[str]) -> int:
    if any(name in ("-h", "--help") for name in names):
        print(USAGE)
        return 0
    unknown = [name for name in names if name not in MODULES]
    if unknown:
        print(f"unknown benchmark {', '.join(unknown)}; {USAGE}", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.WARNING)
    chosen = names or list(MODULES)
    print(f"Switchboard benchmarks on {platform.machine()}, Python {platform.python_version()}")
    print(f"{'block':52} {'us/ch-s':>10} {'ch/core':>8} {'spandsp':>10} {'ratio':>7}  note")
    for name in chosen:
        started = time.perf_counter()
        module = importlib.import_module(f"bench.{name}")
        try:
            rows = list(module.run())
        except CorpusMissing as missing:
            print(f"bench {name}: {missing}", file=sys.stderr)
            return 1
        for row in rows:
            print(_format(row), flush=True)
        print(f"  ({name}: {time.perf_counter() - started:.0f} s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
