"""Pictures are pictures: the one place where uploaded photos are checked and re-encoded.

An upload is opened with Pillow, never trusted by its name or first bytes: its pixel count is
read from the header and refused above PORTAL["IMAGE_MAX_PIXELS"] before anything is decoded
(a 60 000 × 60 000 PNG compresses to a few hundred KB and would take 10 GB to decode), then it
is decoded in full (a truncated file is refused), turned upright by its EXIF orientation and
made RGB. What is stored is a re-encoded JPEG copy no larger than the use needs (`jpeg`), so the
original file, its scripts, its hidden payloads and its metadata (GPS position, camera) are
never kept or sent. PDFs (award evidence) are checked by their header and kept as they are.

Every refusal is a Django `ValidationError({field: message})`, whose message says what is
accepted; nothing an upload contains gives a 500.
"""

from __future__ import annotations

import io
import os
import threading

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageFile, ImageOps

# The formats Pillow may open an upload as (no SVG, no TIFF, no PSD, no EPS: those are what a
# phone or a camera does not make, and some run code or decode slowly).
PICTURE_FORMATS = ("JPEG", "PNG", "GIF", "WEBP")
# The JPEG quality of every stored copy (Pillow's scale 1-95; 85 keeps photos clean at about a
# tenth of their size).
JPEG_QUALITY = 85
# The default most pixels of an upload (40 megapixels: the largest phone cameras make 50 MP in
# 4-to-1 binned modes that save at 12.5 MP; a 12 000 × 3 000 panorama is 36 MP).
DEFAULT_MAX_PIXELS = 40_000_000
PDF_SIGNATURE = b"%PDF-"
# WeasyPrint (certificates) sets Pillow's process-wide ImageFile.LOAD_TRUNCATED_IMAGES = True when
# it is imported, which makes a truncated upload decode silently with grey rows. Uploads are
# decoded with the flag off, under this lock, and the flag is put back afterwards.
_TRUNCATION_LOCK = threading.Lock()


def max_pixels() -> int:
    """The most pixels (width × height) an uploaded picture may have: PORTAL["IMAGE_MAX_PIXELS"]."""
    return int(getattr(settings, "PORTAL", {}).get("IMAGE_MAX_PIXELS", DEFAULT_MAX_PIXELS))


def _megabytes(size: int) -> str:
    return f"{size / 2**20:.0f}" if size % 2**20 == 0 else f"{size / 2**20:.1f}"


def _check_size(upload, *, field: str, max_bytes: int) -> None:
    """Refuse no file, an empty file or one over `max_bytes` (a ValidationError on `field`)."""
    if upload is None or not upload.size:
        raise ValidationError({field: _("The file is empty.")})
    if upload.size > max_bytes:
        raise ValidationError(
            {
                field: _("The file is too large (%(size)s MB); at most %(max)s MB.")
                % {"size": f"{upload.size / 2**20:.1f}", "max": _megabytes(max_bytes)}
            }
        )


def picture_refusal() -> str:
    """What a picture field accepts, said when an upload is not one."""
    return _("Only a picture (JPEG, PNG, GIF, WebP) can be uploaded.")


def evidence_refusal() -> str:
    """What an evidence field accepts, said when an upload is neither a photo nor a PDF."""
    return _("Only a photo (JPEG, PNG, GIF, WebP) or a PDF can be attached.")


def _too_many(limit: int, width: int | None = None, height: int | None = None) -> str:
    """The refusal of a picture over `limit` pixels (its size when known)."""
    if width is None:
        return _("The picture has too many pixels; at most %(limit)s. Send a photo as a phone or camera makes it.") % {
            "limit": f"{limit:,}"
        }
    return _(
        "The picture has too many pixels (%(width)s × %(height)s); at most %(limit)s. "
        "Send a photo as a phone or camera makes it."
    ) % {"width": width, "height": height, "limit": f"{limit:,}"}


def open_picture(upload, *, field: str, max_bytes: int, refusal: str | None = None) -> Image.Image:
    """Open an uploaded picture safely and return it decoded, upright and in RGB.

    upload: a Django UploadedFile (or any file object with `.size`, `.seek`, `.read`).
    field: the form/serializer field the errors are put on. max_bytes: the largest file.
    refusal: the message for "not a picture" (default `picture_refusal()`); a field that also
        takes PDFs says so with `evidence_refusal()`.

    The pixel count is read from the header and refused above `max_pixels()` before any pixel
    is decoded; Pillow's own decompression-bomb guard is kept as a second line. The file is then
    verified, decoded in full, turned by its EXIF orientation and converted to RGB (an animated
    GIF gives its first frame). Returns a PIL Image with no ties to the upload.

    Raises ValidationError({field: message}) for no or an empty file, a file over `max_bytes`,
    anything Pillow does not read as JPEG, PNG, GIF or WebP (an SVG, a renamed program), too
    many pixels, a decompression bomb and a truncated or corrupt file.
    """
    refusal = refusal or picture_refusal()
    _check_size(upload, field=field, max_bytes=max_bytes)
    limit = max_pixels()
    # Pillow's own guard (it warns above MAX_IMAGE_PIXELS and refuses to open twice that) follows
    # the setting, so a limit raised above Pillow's default of 89 MP is not refused by Pillow.
    Image.MAX_IMAGE_PIXELS = limit
    try:
        upload.seek(0)
        with Image.open(upload, formats=PICTURE_FORMATS) as probe:
            width, height = probe.size
            if width * height > limit:  # read from the header: nothing is decoded yet
                raise ValidationError({field: _too_many(limit, width, height)})
            probe.verify()  # chunk checksums (PNG), structure; then the file must be read again
        upload.seek(0)
        with Image.open(upload, formats=PICTURE_FORMATS) as opened:
            if opened.size != (width, height):
                raise ValueError("the picture changed size between two reads")
            with _TRUNCATION_LOCK:
                loads_truncated = ImageFile.LOAD_TRUNCATED_IMAGES
                ImageFile.LOAD_TRUNCATED_IMAGES = False
                try:
                    opened.load()  # decodes every pixel: a truncated file raises OSError here
                finally:
                    ImageFile.LOAD_TRUNCATED_IMAGES = loads_truncated
            picture = ImageOps.exif_transpose(opened).convert("RGB")
    except ValidationError:
        raise
    except Image.DecompressionBombError as exc:
        raise ValidationError({field: _too_many(limit)}) from exc
    except MemoryError as exc:
        raise ValidationError({field: refusal}) from exc
    except Exception as exc:  # noqa: BLE001 - untrusted bytes: every decoder error is "not a picture"
        # UnidentifiedImageError, OSError (truncated), SyntaxError, ValueError, EOFError,
        # struct.error, IndexError ... Pillow's plugins raise many kinds on a crafted file.
        raise ValidationError({field: refusal}) from exc
    picture.info = {}  # no EXIF, ICC, XMP or comments travel with the pixels
    return picture


def jpeg(image: Image.Image, *, edge: int) -> bytes:
    """A JPEG copy of `image` (RGB) no larger than `edge` × `edge` pixels (the aspect kept, never
    enlarged), quality JPEG_QUALITY, with no metadata (no EXIF: GPS, camera, time). Returns bytes."""
    copy = image.copy()
    copy.thumbnail((edge, edge), Image.Resampling.LANCZOS)
    if copy.mode != "RGB":
        copy = copy.convert("RGB")
    out = io.BytesIO()
    copy.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    return out.getvalue()


def _stem(upload) -> str:
    """The upload's name without its extension or folders ("photo" when it has none)."""
    stem = os.path.splitext(os.path.basename(getattr(upload, "name", "") or ""))[0]
    return stem[:80] or "photo"


def picture_file(upload, *, field: str, max_bytes: int, edge: int, refusal: str | None = None) -> ContentFile:
    """The upload re-encoded for storage: a ContentFile named "<its name>.jpg" holding
    `jpeg(open_picture(...), edge=edge)`. Raises what `open_picture` raises."""
    picture = open_picture(upload, field=field, max_bytes=max_bytes, refusal=refusal)
    return ContentFile(jpeg(picture, edge=edge), name=f"{_stem(upload)}.jpg")


def is_pdf(upload) -> bool:
    """Whether the upload starts with the PDF header ("%PDF-"); the file is left where it was."""
    position = upload.tell() if hasattr(upload, "tell") else 0
    upload.seek(0)
    head = upload.read(len(PDF_SIGNATURE))
    upload.seek(position)
    return head == PDF_SIGNATURE


def evidence_file(upload, *, field: str, max_bytes: int, edge: int):
    """An evidence attachment ready to store: a PDF (its header and a .pdf name) is kept as it
    is; anything else must be a photo and is re-encoded by `picture_file` (at most `edge` px).
    Returns the upload (a PDF) or a ContentFile (a photo). Raises ValidationError({field: ...})
    with `evidence_refusal()` for anything else, and what `open_picture` raises."""
    _check_size(upload, field=field, max_bytes=max_bytes)
    named_pdf = os.path.splitext(upload.name or "")[1].lower() == ".pdf"
    if is_pdf(upload):
        if not named_pdf:
            raise ValidationError({field: evidence_refusal()})
        upload.seek(0)
        return upload
    if named_pdf:
        raise ValidationError({field: evidence_refusal()})
    return picture_file(upload, field=field, max_bytes=max_bytes, edge=edge, refusal=evidence_refusal())
