"""Fax material for tests and benchmarks: A4-wide test pages and a spandsp sender call."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from bench.spandsp_fax import SpandspFaxSender
from voice.fax.receiver import FaxReceiver, FaxResult

FAX_WIDTH = 1728
FRAME = 160
MAX_SECONDS = 600
FINE_DPI = (204, 196)
STANDARD_DPI = (204, 98)


def make_page(number: int, rows: int = 400) -> Image.Image:
    image = Image.new("1", (FAX_WIDTH, rows), 1)
    draw = ImageDraw.Draw(image)
    draw.rectangle((40, 20, FAX_WIDTH - 40, rows - 20), outline=0, width=3)
    for line in range(number + 2):
        y = 60 + line * 30
        draw.line((80, y, 80 + 300 * (line + 1) % 1500 + 100, y + 10 * number), fill=0, width=2)
    for row in range(6):
        draw.text((120, 200 + row * 25), f"Page {number} line {row} — switchboard fax test", fill=0)
    draw.ellipse((1200 + 10 * (number % 20), 150, 1500, 350), outline=0, width=4)
    return image


def write_tiff(path: Path, pages: int, fine: bool = True, rows: int = 400) -> list[np.ndarray]:
    """Writes a multi-page fax TIFF; returns each page as a uint8 array (1 = black)."""
    images = [make_page(n + 1, rows) for n in range(pages)]
    dpi = FINE_DPI if fine else STANDARD_DPI
    images[0].save(path, save_all=True, append_images=images[1:], compression="group4", dpi=dpi)
    return [1 - np.asarray(image, dtype=np.uint8) for image in images]


class LineModel:
    """The exchange line between the machines: loss in dB and white noise at `snr_db` below
    the sender's nominal −13 dBm0 signal (after the loss)."""

    def __init__(
        self,
        loss_db: float,
        snr_db: float,
        seed: int = 1,
        bursts: tuple[tuple[float, float], ...] = (),
    ) -> None:
        """`bursts`: (start, length) in seconds of noise as loud as the signal (clicks,
        crosstalk) that corrupt what crosses the line then."""
        self.gain = 10 ** (-loss_db / 20)
        self.signal_rms = 32768 * 10 ** (-13 / 20) / np.sqrt(2) * 0.5 * self.gain
        self.noise_rms = self.signal_rms * 10 ** (-snr_db / 20)
        self.bursts = bursts
        self._rng = np.random.default_rng(seed)
        self._samples = 0

    def __call__(self, samples: np.ndarray) -> np.ndarray:
        noise = self._rng.normal(0, self.noise_rms, samples.size)
        start_s = self._samples / 8000
        self._samples += samples.size
        if any(begin <= start_s < begin + length for begin, length in self.bursts):
            noise += self._rng.normal(0, self.signal_rms, samples.size)
        noisy = samples * self.gain + noise
        return np.clip(np.round(noisy), -32768, 32767).astype(np.int16)


def run_call(
    sender: SpandspFaxSender, receiver: FaxReceiver, line: LineModel | None = None
) -> FaxResult:
    to_receiver = np.zeros(FRAME, np.int16)
    for _ in range(MAX_SECONDS * 8000 // FRAME):
        sender.receive(receiver.process(to_receiver))
        to_receiver = sender.transmit(FRAME)
        if line is not None:
            to_receiver = line(to_receiver)
        if receiver.done and sender.completion is not None:
            break
    sender.close()
    return receiver.outcome


def matching_fraction(received: np.ndarray, source: np.ndarray) -> float:
    rows = min(received.shape[0], source.shape[0])
    height = max(received.shape[0], source.shape[0])
    same = np.count_nonzero(received[:rows] == source[:rows])
    return same / (height * source.shape[1])


def ink_overlap(received: np.ndarray, source: np.ndarray) -> float:
    """Black pixels both images share over those either has: unlike `matching_fraction`, a
    blank or wrong page scores low however white the paper is."""
    rows = min(received.shape[0], source.shape[0])
    both = np.count_nonzero(received[:rows] & source[:rows])
    either = np.count_nonzero(received[:rows] | source[:rows])
    either += np.count_nonzero(received[rows:]) + np.count_nonzero(source[rows:])
    return both / either if either else 1.0
