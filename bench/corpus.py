"""Speech and music available offline, for talk-off and false-detection measurements.

Three kinds of material, all turned into 8 kHz int16:
- synthetic speech in English, Russian and Ukrainian from espeak-ng, several voices and rates,
- the recorded English prompts of asterisk-core-sounds-en-wav,
- the music-on-hold tracks of asterisk-moh-opsound-wav (music is the classic false trigger).

`presented()` scales material to a mean active level and passes it through G.711, as a
receiver on a telephone line would hear it.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import tempfile
import time
import wave
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from scipy.signal import resample_poly

from drivers.frames import FRAME_SAMPLES  # the engine feeds 20 ms frames
from voice import g711
from voice.level import SAMPLE_RATE_HZ, dbm0_to_power, power_to_dbm0

log = logging.getLogger(__name__)

# The Debian packages (the Makefile's TEST_DEBS) whose WAV files make the corpus. Their
# files are found through what the package says it ships: the prompts' directory is named
# after the voice (en_US_f_Allison on Debian 12), not "en".
PROMPT_PACKAGE = "asterisk-core-sounds-en-wav"
MUSIC_PACKAGE = "asterisk-moh-opsound-wav"
ESPEAK = "espeak-ng"
ACTIVE_FRAME_SAMPLES = 160
ACTIVE_FLOOR_DBM0 = -55.0  # frames quieter than this are pauses, not counted in the level
ACTIVE_RANGE_DB = 40.0  # nor frames this far below the loudest
NOMINAL_LEVEL_DBM0 = -15.0
LEVEL_SPREAD_DB = (-10.0, 0.0, 10.0)

# Our own texts; every language gets the same kinds of sentence: numbers, names, questions.
SPEECH_TEXTS = {
    "en": (
        "Good morning, you have reached the front desk. All of our staff are busy right now, "
        "so please stay on the line and someone will be with you shortly. "
        "If you know the extension of the person you are calling, you may dial it at any time. "
        "Our office is open from nine in the morning until six in the evening, Monday to Friday. "
        "The delivery for order number four hundred and seventy two left the warehouse yesterday. "
        "Could you tell me whether the meeting on Thursday is still going ahead at half past two? "
        "Sally sells sea shells by the sea shore, and the shells she sells are surely sea shells. "
        "We measured the signal at minus fifteen decibels and found no false digits at all. "
        "Please leave your name, your telephone number and a short message after the tone. "
        "The quick brown fox jumps over the lazy dog while the weather stays cold and windy."
    ),
    "ru": (
        "Добрый день, вы позвонили в нашу компанию. Все операторы сейчас заняты, пожалуйста, "
        "оставайтесь на линии, и вам обязательно ответят. Если вы знаете добавочный номер "
        "сотрудника, наберите его в любой момент. Наш офис работает с девяти утра до шести "
        "вечера, с понедельника по пятницу. Заказ номер четыреста семьдесят два отправлен со "
        "склада вчера вечером. Скажите, пожалуйста, совещание в четверг состоится в половине "
        "третьего? Шла Саша по шоссе и сосала сушку. Мы измерили уровень сигнала и не нашли "
        "ни одной ложной цифры. Оставьте, пожалуйста, своё имя, номер телефона и короткое "
        "сообщение после сигнала. На дворе трава, на траве дрова, погода холодная и ветреная."
    ),
    "uk": (
        "Добрий день, ви зателефонували до нашої компанії. Усі оператори зараз зайняті, будь "
        "ласка, залишайтеся на лінії, і вам неодмінно дадуть відповідь. Якщо ви знаєте "
        "внутрішній номер співробітника, наберіть його будь-коли. Наш офіс працює з дев'ятої "
        "ранку до шостої вечора, з понеділка по п'ятницю. Замовлення номер чотириста сімдесят "
        "два вчора відправили зі складу. Скажіть, будь ласка, чи відбудеться нарада в четвер о "
        "пів на третю? Сів шпак на шпаківню, заспівав шпак пісню. Ми виміряли рівень сигналу і "
        "не знайшли жодної хибної цифри. Залиште, будь ласка, своє ім'я, номер телефону та "
        "коротке повідомлення після сигналу. Надворі холодно, вітряно і йде дрібний дощ."
    ),
}
# espeak-ng voice variants (male and female formant sets) and speaking rates, words a minute.
VOICE_VARIANTS = ("m1", "m3", "m7", "f1", "f2", "f4")
SPEAKING_RATES_WPM = (150, 190)


@dataclass(frozen=True)
class Material:
    """One recording: `kind` is "speech", "prompts" or "music"."""

    name: str
    kind: str
    samples: NDArray[np.int16]

    @property
    def seconds(self) -> float:
        return self.samples.size / SAMPLE_RATE_HZ


def espeak_available() -> bool:
    return shutil.which(ESPEAK) is not None


def read_wav(path: Path) -> NDArray[np.int16]:
    """A mono 16-bit WAV file as 8 kHz int16 (resampled if needed)."""
    with wave.open(str(path), "rb") as wav:
        if wav.getsampwidth() != 2:
            raise ValueError(f"{path}: only 16-bit WAV files are supported")
        rate, channels = wav.getframerate(), wav.getnchannels()
        data = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
    samples = data.reshape(-1, channels).mean(axis=1) if channels > 1 else data.astype(np.float64)
    if rate != SAMPLE_RATE_HZ:
        divisor = np.gcd(rate, SAMPLE_RATE_HZ)
        samples = resample_poly(samples, SAMPLE_RATE_HZ // divisor, rate // divisor)
    return np.clip(np.rint(samples), -32768, 32767).astype(np.int16)


def synthesise(text: str, voice: str, rate_wpm: int = 170) -> NDArray[np.int16]:
    """Speak `text` with espeak-ng (`voice` such as "en+f2") and return 8 kHz int16."""
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "speech.wav"
        subprocess.run(
            [ESPEAK, "-v", voice, "-s", str(rate_wpm), "-w", str(path), text],
            check=True,
            capture_output=True,
        )
        return read_wav(path)


def speech() -> Iterator[Material]:
    """Synthetic speech: every language in every voice variant and rate."""
    if not espeak_available():
        log.warning("espeak-ng is not installed: no synthetic speech")
        return
    for language, text in SPEECH_TEXTS.items():
        for variant in VOICE_VARIANTS:
            for rate in SPEAKING_RATES_WPM:
                voice = f"{language}+{variant}"
                yield Material(
                    f"espeak {voice} {rate} wpm", "speech", synthesise(text, voice, rate)
                )


class CorpusMissing(RuntimeError):
    """A recording package the benchmarks need is not installed: they would time something
    else."""


@cache
def package_wavs(package: str) -> tuple[Path, ...]:
    """The WAV files Debian package `package` installed, sorted; CorpusMissing if none."""
    hint = f"install it with `make debs-test` or `scripts/ensure-debian-packages {package}`"
    try:
        listing = subprocess.run(
            ["dpkg-query", "--listfiles", package], capture_output=True, text=True, check=False
        )
    except FileNotFoundError as error:
        raise CorpusMissing(f"cannot ask dpkg which files {package} ships: {error}") from error
    if listing.returncode != 0:
        raise CorpusMissing(f"the recordings of {package} are missing: {hint}")
    paths = sorted(
        Path(line) for line in listing.stdout.splitlines() if line.lower().endswith(".wav")
    )
    present = tuple(path for path in paths if path.is_file())
    if not present:
        raise CorpusMissing(f"{package} is installed but its WAV files are not there: {hint}")
    return present


def prompts() -> Iterator[Material]:
    """The recorded prompts, one Material per file."""
    paths = package_wavs(PROMPT_PACKAGE)
    base = Path(os.path.commonpath(paths)) if len(paths) > 1 else paths[0].parent
    for path in paths:
        yield Material(f"prompt {path.relative_to(base)}", "prompts", read_wav(path))


def music() -> Iterator[Material]:
    """The music-on-hold tracks."""
    for path in package_wavs(MUSIC_PACKAGE):
        yield Material(f"music {path.stem}", "music", read_wav(path))


def everything() -> Iterator[Material]:
    yield from speech()
    yield from prompts()
    yield from music()


def active_level_dbm0(samples: NDArray[np.int16]) -> float:
    """Mean level over the 20 ms frames that carry signal (pauses left out)."""
    frames = samples[: samples.size // ACTIVE_FRAME_SAMPLES * ACTIVE_FRAME_SAMPLES]
    power = np.mean(frames.reshape(-1, ACTIVE_FRAME_SAMPLES).astype(np.float64) ** 2, axis=1)
    if power.size == 0:
        return float(power_to_dbm0(0.0))
    level = power_to_dbm0(power)
    active = (level > ACTIVE_FLOOR_DBM0) & (level > level.max() - ACTIVE_RANGE_DB)
    return float(power_to_dbm0(power[active].mean())) if active.any() else float(level.max())


def at_level(samples: NDArray[np.int16], level_dbm0: float) -> NDArray[np.int16]:
    """`samples` scaled to a mean active level of `level_dbm0`, rounded and clipped."""
    current = active_level_dbm0(samples)
    gain = np.sqrt(dbm0_to_power(level_dbm0) / dbm0_to_power(current))
    return np.clip(np.rint(samples * gain), -32768, 32767).astype(np.int16)


def presented(samples: NDArray[np.int16], level_dbm0: float, law: g711.Law) -> NDArray[np.int16]:
    """`samples` at a mean active level of `level_dbm0`, through G.711."""
    return g711.through(at_level(samples, level_dbm0), law)


# Talkers: Asterisk's recorded prompts, one after another as a person speaks.

SOUNDS = Path("/usr/share/asterisk/sounds")
# Where each package puts its prompts: the voice's own directory, or the language's link.
VOICES = {
    "en": (("en_US_f_Allison", "en"), "asterisk-core-sounds-en-wav"),
    "ru": (("ru_RU_f_IvrvoiceRU", "ru"), "asterisk-core-sounds-ru-wav"),
}
PROMPT_PAUSE_S = 0.15  # between prompts, as a talker pauses
SILENCE_PEAK = 300  # a prompt's edge quieter than this is silence


def voice_directory(language: str) -> Path:
    names, package = VOICES[language]
    for name in names:
        if (SOUNDS / name).is_dir():
            return SOUNDS / name
    raise CorpusMissing(f"{package} is not installed (make debs-test installs it)")


@cache
def talker(language: str, seconds: float, skip: int = 0) -> NDArray[np.int16]:
    """`seconds` of the prompts in `language` from the `skip`th on, each with its silent
    edges cut and prompts under half a second left out, PROMPT_PAUSE_S between them."""
    pause = np.zeros(round(PROMPT_PAUSE_S * SAMPLE_RATE_HZ), np.int16)
    pieces: list[NDArray[np.int16]] = []
    total = 0
    for path in sorted(voice_directory(language).glob("*.wav"))[skip:]:
        prompt = read_wav(path)
        loud = np.flatnonzero(np.abs(prompt.astype(np.int32)) > SILENCE_PEAK)
        if loud.size == 0 or loud[-1] + 1 - loud[0] < SAMPLE_RATE_HZ // 2:
            continue
        pieces += [prompt[loud[0] : loud[-1] + 1], pause]
        total += loud[-1] + 1 - loud[0] + pause.size
        if total >= seconds * SAMPLE_RATE_HZ:
            break
    speech = np.concatenate(pieces)[: round(seconds * SAMPLE_RATE_HZ)]
    speech.setflags(write=False)
    return speech


# Timing blocks over this material.

COST_SECONDS = 60.0
TIMING_REPEATS = 3
C_ALONE_REPEATS = 7  # a whole recording through spandsp takes milliseconds


def cost_audio(seconds: float = COST_SECONDS) -> NDArray[np.int16]:
    """Recorded speech at the nominal level through A-law: what a receiver mostly hears."""
    needed = round(seconds * SAMPLE_RATE_HZ)
    parts, total = [], 0
    for material in prompts():
        parts.append(material.samples)
        total += material.samples.size
        if total >= needed:
            break
    audio = np.concatenate(parts)[:needed]
    return presented(audio, NOMINAL_LEVEL_DBM0, "alaw")


def us_per_channel_second(
    make: Callable[[], Callable[[NDArray[np.int16]], object]],
    audio: NDArray[np.int16],
    frame: int = FRAME_SAMPLES,
) -> float:
    """CPU time (µs) one channel costs per second of audio, fed frame by frame.

    `make` builds a fresh block and returns its per-frame function. Best of a few runs of
    process CPU time, so other load on the machine counts as little as possible.
    """
    return side_by_side_us([make], audio, frame)[0]


def side_by_side_us(
    makers: list[Callable[[], Callable[[NDArray[np.int16]], object]]],
    audio: NDArray[np.int16],
    frame: int = FRAME_SAMPLES,
    repeats: int = TIMING_REPEATS,
) -> list[float]:
    """`us_per_channel_second` of several blocks on the same audio, their runs alternating:
    a burst of other load on the machine then weighs on every side of a comparison alike."""
    return alternating_best([frame_run(make, audio, frame) for make in makers], repeats)


def frame_run(
    make: Callable[[], Callable[[NDArray[np.int16]], object]],
    audio: NDArray[np.int16],
    frame: int = FRAME_SAMPLES,
) -> Callable[[], float]:
    """One timed run of a fresh block fed `audio` frame by frame: its CPU time in µs per
    channel-second."""
    frames = [audio[i : i + frame] for i in range(0, audio.size, frame)]
    seconds = audio.size / SAMPLE_RATE_HZ

    def one_run() -> float:
        feed = make()
        start = time.process_time()
        for block in frames:
            feed(block)
        return (time.process_time() - start) / seconds * 1e6

    return one_run


def alternating_best(runs: list[Callable[[], float]], repeats: int = TIMING_REPEATS) -> list[float]:
    """The lowest of `repeats` results of each run (a cost, in any unit), the runs taking
    turns."""
    best = [float("inf")] * len(runs)
    for _ in range(repeats):
        for k, run in enumerate(runs):
            best[k] = min(best[k], run())
    return best


def c_alone_us(
    make: Callable[[], Callable[[NDArray[np.int16]], object]],
    audio: NDArray[np.int16],
    repeats: int = C_ALONE_REPEATS,
) -> float:
    """The cost (µs per channel-second) of a spandsp block's C code alone: a fresh block fed
    the whole audio in one call, so no per-frame call from Python counts (best of
    `repeats`). Its results do not depend on how the audio is split."""
    return alternating_best([frame_run(make, audio, audio.size)], repeats)[0]


def beside_spandsp(
    ours: Callable[[], Callable[[NDArray[np.int16]], object]],
    theirs: Callable[[], Callable[[NDArray[np.int16]], object]] | None,
    audio: NDArray[np.int16],
    frame: int = FRAME_SAMPLES,
    repeats: int = TIMING_REPEATS,
) -> tuple[float, float | None, float | None]:
    """Our block's and spandsp's cost (µs per channel-second) on the same audio, their runs
    taking turns, and spandsp's C code alone; spandsp's figures are None without `theirs`
    (the library is missing)."""
    if theirs is None:
        return side_by_side_us([ours], audio, frame, repeats)[0], None, None
    ours_us, theirs_us = side_by_side_us([ours, theirs], audio, frame, repeats)
    return ours_us, theirs_us, c_alone_us(theirs, audio, max(repeats, C_ALONE_REPEATS))


def c_alone_note(ours_us: float, c_alone: float | None) -> str:
    """What a row says of spandsp's C code alone, beside the per-frame comparison."""
    if not c_alone:
        return ""
    return (
        f"spandsp's C code alone (whole recording in one call) {c_alone:.0f} µs:"
        f" ours ×{ours_us / c_alone:.1f}"
    )


def cost_row(
    name: str,
    ours_us: float,
    spandsp_us: float | None,
    note: str = "",
    c_alone: float | None = None,
) -> dict:
    """One row of the bench table, with channels per core and the ratio to spandsp (called
    from Python frame by frame, as this firmware would call it), and to its C code alone
    when `c_alone` is given."""
    parts = [f"{1e6 / ours_us:,.0f} channels per core"]
    if spandsp_us:
        parts.append(f"spandsp {1e6 / spandsp_us:,.0f}; ours costs ×{ours_us / spandsp_us:.1f}")
    if c_alone:
        parts.append(c_alone_note(ours_us, c_alone))
    if note:
        parts.append(note)
    return {
        "name": name,
        "ours_us_per_channel_s": round(ours_us, 1),
        "spandsp_us_per_channel_s": None if spandsp_us is None else round(spandsp_us, 1),
        "note": "; ".join(parts),
    }


def print_rows(rows: list[dict]) -> None:
    """Print bench rows as a plain table."""
    print(f"{'block':44} {'ours µs/ch·s':>13} {'spandsp':>9}  note")
    for row in rows:
        spandsp = row["spandsp_us_per_channel_s"]
        print(
            f"{row['name']:44} {row['ours_us_per_channel_s']:>13} "
            f"{'-' if spandsp is None else spandsp:>9}  {row['note']}"
        )
