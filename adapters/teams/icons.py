"""The Teams app icons, drawn in pure Python (zlib + struct): a compass rose on the accent colour."""

from __future__ import annotations

import math
import struct
import zlib
from collections.abc import Callable
from typing import Final

COLOR_ICON_SIZE: Final = 192
OUTLINE_ICON_SIZE: Final = 32
ACCENT: Final = (0x1F, 0x4E, 0x79)
WHITE: Final = (255, 255, 255)
NEEDLE_RED: Final = (0xE0, 0x4B, 0x3A)

Pixel = tuple[int, int, int, int]


def png(width: int, height: int, pixel: Callable[[int, int], Pixel]) -> bytes:
    """An 8-bit RGBA PNG whose pixel (x, y) is `pixel(x, y)`."""
    rows = bytearray()
    for y in range(height):
        rows.append(0)  # filter type: none
        for x in range(width):
            rows.extend(pixel(x, y))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(rows), 9))
        + chunk(b"IEND", b"")
    )


def _needle(u: float, v: float, half_length: float, half_width: float) -> bool:
    """Inside a diamond pointing up and down, centred on the origin."""
    return abs(u) / half_width + abs(v) / half_length <= 1.0


def color_icon() -> bytes:
    """192x192, full colour: white ring and needle on the accent colour, north tip red."""
    size = COLOR_ICON_SIZE
    centre = (size - 1) / 2

    def pixel(x: int, y: int) -> Pixel:
        u, v = x - centre, y - centre
        radius = math.hypot(u, v)
        if _needle(u, v, size * 0.36, size * 0.09):
            return (*NEEDLE_RED, 255) if v < 0 else (*WHITE, 255)
        if size * 0.38 <= radius <= size * 0.44:
            return (*WHITE, 255)
        return (*ACCENT, 255)

    return png(size, size, pixel)


def outline_icon() -> bytes:
    """32x32 outline: white on a transparent background only, as Teams requires."""
    size = OUTLINE_ICON_SIZE
    centre = (size - 1) / 2

    def pixel(x: int, y: int) -> Pixel:
        u, v = x - centre, y - centre
        radius = math.hypot(u, v)
        inside = _needle(u, v, size * 0.34, size * 0.1) or size * 0.38 <= radius <= size * 0.47
        return (255, 255, 255, 255) if inside else (0, 0, 0, 0)

    return png(size, size, pixel)
