"""Pictures are pictures: uploads are opened by Pillow under a pixel limit,
re-encoded, and anything else is a field error, never a 500."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from PIL import Image

from practice_center import images
from tests.pictures import GPS_IFD, gps_exif, huge_png, picture, picture_bytes, rotated_photo

MB = 2**20


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def refusal(upload, **kwargs) -> str:
    with pytest.raises(ValidationError) as caught:
        images.open_picture(upload, field="photo", max_bytes=kwargs.pop("max_bytes", 5 * MB), **kwargs)
    assert list(caught.value.message_dict) == ["photo"]
    return caught.value.message_dict["photo"][0]


def decoded(content: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(content))
    image.load()
    return image


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "GIF", "WEBP"])
def test_the_four_picture_formats_open_as_rgb(fmt):
    image = images.open_picture(picture(f"p.{fmt.lower()}", fmt=fmt), field="photo", max_bytes=5 * MB)
    assert (image.mode, image.size) == ("RGB", (64, 48))


def test_a_60000_by_60000_png_is_refused_before_it_is_decoded():
    upload = picture("bomb.png", huge_png())
    assert upload.size < 1000  # the header and a few rows: decoding it would need gigabytes
    assert "40,000,000" in refusal(upload)


def test_a_picture_over_the_pixel_setting_is_refused_with_its_size(settings):
    settings.PORTAL = {**settings.PORTAL, "IMAGE_MAX_PIXELS": 1_000_000}
    message = refusal(picture("wide.png", fmt="PNG", width=1001, height=1000))
    assert "1001 × 1000" in message and "1,000,000" in message
    assert images.open_picture(picture(width=1000, height=1000), field="photo", max_bytes=5 * MB).size == (1000, 1000)


def test_a_limit_raised_above_pillow_s_own_guard_is_honoured(settings):
    settings.PORTAL = {**settings.PORTAL, "IMAGE_MAX_PIXELS": 200_000_000}
    images.max_pixels()
    assert "200,000,000" in refusal(picture("bomb.png", huge_png()))


@pytest.mark.parametrize("weasyprint_loaded", [False, True])
def test_a_truncated_jpeg_is_refused(weasyprint_loaded, monkeypatch):
    from PIL import ImageFile

    # WeasyPrint turns Pillow's LOAD_TRUNCATED_IMAGES on for the whole process when imported.
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", weasyprint_loaded)
    whole = picture_bytes(800, 600)
    assert "JPEG" in refusal(picture("cut.jpg", whole[: len(whole) // 2]))
    assert ImageFile.LOAD_TRUNCATED_IMAGES is weasyprint_loaded  # put back as it was


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("photo.jpg", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200),  # a Windows program renamed
        ("photo.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 200),  # the JPEG signature and nothing else
        ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect/></svg>'),
        ("logo.png", b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>'),
        ("scan.tif", None),  # a real TIFF: Pillow reads it, the portal does not take it
        ("leaflet.pdf", b"%PDF-1.4\n" + b"0" * 100),
    ],
)
def test_what_is_not_a_jpeg_png_gif_or_webp_is_refused_saying_what_is_accepted(name, content):
    if content is None:
        content = picture_bytes(fmt="TIFF")
    message = refusal(picture(name, content))
    assert all(fmt in message for fmt in ("JPEG", "PNG", "GIF", "WebP"))


def test_an_empty_file_and_a_file_over_the_size_are_refused():
    assert refusal(SimpleUploadedFile("empty.jpg", b"")) == "The file is empty."
    message = refusal(picture(content=picture_bytes() + b"\x00" * (2 * MB)), max_bytes=2 * MB)
    assert "at most 2 MB" in message


def test_an_exif_rotated_photo_comes_out_upright():
    image = images.open_picture(picture(content=rotated_photo()), field="photo", max_bytes=5 * MB)
    assert image.size == (100, 200)
    red, blue = image.getpixel((50, 40)), image.getpixel((50, 160))
    assert red[0] > 200 and red[2] < 60 and blue[2] > 200 and blue[0] < 60


def test_the_stored_copy_is_at_most_the_edge_and_never_enlarged():
    image = images.open_picture(picture(width=4000, height=3000), field="photo", max_bytes=5 * MB)
    assert decoded(images.jpeg(image, edge=800)).size == (800, 600)
    small = images.open_picture(picture(width=300, height=200), field="photo", max_bytes=5 * MB)
    assert decoded(images.jpeg(small, edge=800)).size == (300, 200)


def test_gps_and_camera_metadata_are_gone_from_the_stored_copy():
    upload = picture(content=picture_bytes(exif=gps_exif()))
    assert decoded(upload.read()).getexif().get_ifd(GPS_IFD)  # the upload has a position
    stored = decoded(images.jpeg(images.open_picture(upload, field="photo", max_bytes=5 * MB), edge=800))
    assert stored.format == "JPEG"
    assert not stored.getexif() and not stored.getexif().get_ifd(GPS_IFD)
    assert "exif" not in stored.info and "icc_profile" not in stored.info


def test_picture_file_names_the_copy_jpg():
    stored = images.picture_file(picture("家 门口.png", fmt="PNG"), field="photo", max_bytes=5 * MB, edge=800)
    assert stored.name == "家 门口.jpg" and stored.read(3) == b"\xff\xd8\xff"


def test_evidence_keeps_a_pdf_and_re_encodes_a_photo():
    pdf = SimpleUploadedFile("proof.pdf", b"%PDF-1.4\n" + b"0" * 100)
    assert images.evidence_file(pdf, field="f", max_bytes=5 * MB, edge=1600) is pdf
    photo = images.evidence_file(
        picture("p.png", fmt="PNG", width=3200, height=100), field="f", max_bytes=5 * MB, edge=1600
    )
    assert photo.name == "p.jpg" and decoded(photo.read()).size == (1600, 50)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("fake.pdf", b"MZ\x90\x00" + b"\x00" * 100),
        ("pdf.jpg", b"%PDF-1.4\n" + b"0" * 100),
        ("notes.docx", b"PK\x03\x04" + b"\x00" * 100),
        ("bomb.png", None),
    ],
)
def test_evidence_that_is_neither_a_photo_nor_a_pdf_is_refused(name, content):
    upload = SimpleUploadedFile(name, huge_png() if content is None else content)
    with pytest.raises(ValidationError) as caught:
        images.evidence_file(upload, field="f", max_bytes=5 * MB, edge=1600)
    assert list(caught.value.message_dict) == ["f"]
