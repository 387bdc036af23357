"""Picture files for upload tests, made with Pillow (or, for the huge PNG, by hand)."""

from __future__ import annotations

import io
import struct
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

# EXIF tags (the TIFF/EXIF standard): orientation in the main IFD, and the GPS IFD pointer.
ORIENTATION = 0x0112
GPS_IFD = 0x8825


def picture_bytes(width: int = 64, height: int = 48, *, fmt: str = "JPEG", colour=(200, 30, 40), exif=None) -> bytes:
    """A plain picture of `width` × `height` in `fmt` (JPEG, PNG, GIF, WEBP), with `exif` if given."""
    buffer = io.BytesIO()
    image = Image.new("RGB", (width, height), colour)
    options = {"exif": exif} if exif is not None else {}
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def picture(name: str = "photo.jpg", content: bytes | None = None, **kwargs) -> SimpleUploadedFile:
    """An upload of `content` (default `picture_bytes(**kwargs)`) named `name`."""
    return SimpleUploadedFile(name, picture_bytes(**kwargs) if content is None else content, "image/jpeg")


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def huge_png(width: int = 60_000, height: int = 60_000) -> bytes:
    """A black-and-white PNG of `width` × `height` pixels as the attacker sent it: a valid
    header and the first rows of pixel data. The whole 60 000 × 60 000 file is 437 KB of
    deflated zeros (deflate packs at most 1 032 to 1) and decodes to 450 MB at 1 bit, 10.8 GB
    once made RGB; compressing it here would take a minute of CPU, and the refusal must come
    from the header before any row is decoded, so the rows after the first 100 are left out."""
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1 bit, greyscale
    rows = zlib.compress(b"\x00" * (1 + (width + 7) // 8) * 100)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", rows) + _chunk(b"IEND", b"")


def gps_exif() -> bytes:
    """EXIF with a camera make and a GPS position (a resident's home)."""
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    gps = exif.get_ifd(GPS_IFD)
    gps[1] = "N"
    gps[2] = (30.0, 15.0, 12.5)
    gps[3] = "E"
    gps[4] = (120.0, 9.0, 30.0)
    return exif.tobytes()


def rotated_photo() -> bytes:
    """A JPEG stored sideways, 200 wide × 100 high, left half red and right half blue, whose
    EXIF says "rotate 90° clockwise to show" (orientation 6): upright it is 100 × 200, red on top."""
    image = Image.new("RGB", (200, 100), (255, 0, 0))
    image.paste((0, 0, 255), (100, 0, 200, 100))
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif.tobytes(), quality=95)
    return buffer.getvalue()
