"""Received pages to files: one PDF per fax (or a multi-page TIFF) at the received resolution."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

import img2pdf
import numpy as np
from PIL import Image

from voice.fax.t4 import DecodedPage

HORIZONTAL_DPI = 204
FINE_DPI = 196
STANDARD_DPI = 98


def page_images(pages: Sequence[DecodedPage]) -> list[Image.Image]:
    images = []
    for page in pages:
        pixels = page.image()
        if pixels.shape[0] == 0:
            pixels = np.zeros((1, page.width), dtype=np.uint8)
        images.append(Image.fromarray(((1 - pixels) * 255).astype(np.uint8)).convert("1"))
    return images


def _dpi(fine: bool) -> tuple[int, int]:
    return (HORIZONTAL_DPI, FINE_DPI if fine else STANDARD_DPI)


def pdf_bytes(pages: Sequence[DecodedPage], fine: bool) -> bytes:
    """A PDF with one page per fax page, the bitmaps embedded losslessly (CCITT G4)."""
    if not pages:
        raise ValueError("a fax without pages has no PDF")
    encoded = []
    for image in page_images(pages):
        buffer = io.BytesIO()
        image.save(buffer, format="TIFF", compression="group4", dpi=_dpi(fine))
        encoded.append(buffer.getvalue())
    return img2pdf.convert(encoded)


def write_pdf(pages: Sequence[DecodedPage], fine: bool, path: Path) -> None:
    path.write_bytes(pdf_bytes(pages, fine))


def tiff_bytes(pages: Sequence[DecodedPage], fine: bool) -> bytes:
    """A multi-page TIFF (CCITT G4), one page per fax page."""
    if not pages:
        raise ValueError("a fax without pages has no TIFF")
    images = page_images(pages)
    buffer = io.BytesIO()
    images[0].save(
        buffer,
        format="TIFF",
        save_all=True,
        append_images=images[1:],
        compression="group4",
        dpi=_dpi(fine),
    )
    return buffer.getvalue()


def write_tiff(pages: Sequence[DecodedPage], fine: bool, path: Path) -> None:
    path.write_bytes(tiff_bytes(pages, fine))
