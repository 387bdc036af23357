"""Staff keep the points supermarket's goods (new, edit, stock) and attach evidence to awards."""

from __future__ import annotations

import datetime
import io

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from points import selectors
from points.models import Entry, Product, Rule
from points.services import catalogue, shop
from practice_center.exceptions import NotAllowed
from tests.pictures import GPS_IFD, gps_exif, huge_png, picture_bytes
from tests.points.test_rankings import post_entry

NOON = datetime.datetime(2027, 3, 3, 4, 0, tzinfo=datetime.UTC)
# Real pictures (uploads are opened by Pillow): signatures alone are refused.
PNG = picture_bytes(fmt="PNG")
JPEG = picture_bytes()
PDF = b"%PDF-1.4\n" + b"0" * 64
FIVE_MB = 5 * 1024 * 1024


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploads land in a temporary folder, never in the project's media/."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOON, tick=False):
        yield


def upload(name: str, content: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def create(town, actor=None, site=None, **overrides):
    values = {"name": "肥皂", "description": "", "points_price": 5, "stock": 10}
    values.update(overrides)
    return catalogue.product_create(site=site or town.station_a, actor=actor or town.staff_a, **values)


# ---- services: creating ---------------------------------------------------------------------
def test_staff_put_new_goods_on_the_shelf_and_residents_see_them_at_once(town):
    product = create(town, name="  洗衣粉  ", description="一袋", points_price=8, stock=4)
    assert (product.name, product.price, product.stock, product.is_active) == ("洗衣粉", 8, 4, True)
    assert list(selectors.redeemable_products(town.resident_a)) == [product]
    assert list(selectors.redeemable_products(town.resident_b)) == []


def test_staff_above_the_station_may_stock_its_shelf(town):
    product = create(town, actor=town.institute_staff)
    assert product.site == town.station_a


@pytest.mark.parametrize("persona", ["staff_b", "resident_a", "grid_worker_a", "leader_a_user"])
def test_only_staff_of_the_site_or_above_may_add_goods(town, persona):
    with pytest.raises(NotAllowed):
        create(town, actor=getattr(town, persona))
    assert not Product.objects.exists()


def test_bad_values_are_refused_with_a_message_for_every_field(town):
    with pytest.raises(ValidationError) as caught:
        create(town, name="   ", points_price=0, stock=-1)
    assert set(caught.value.message_dict) == {"name", "points_price", "stock"}
    assert not Product.objects.exists()


@pytest.mark.parametrize("price", [True, 2.5, "abc", None, -3])
def test_a_price_must_be_a_whole_number_of_points(town, price):
    with pytest.raises(ValidationError) as caught:
        create(town, points_price=price)
    assert "points_price" in caught.value.message_dict


def test_goods_may_be_created_off_the_shelf(town):
    product = create(town, is_active=False)
    assert list(selectors.redeemable_products(town.resident_a)) == []
    assert product.is_active is False


def stored_picture(product) -> Image.Image:
    with product.picture.open("rb") as handle:
        image = Image.open(io.BytesIO(handle.read()))
        image.load()
    return image


def test_a_picture_is_stored_with_the_product_as_a_jpeg_copy(town):
    # Only a re-encoded JPEG is stored, never the original file.
    product = create(town, picture=upload("soap.png", PNG))
    assert product.picture.name.startswith("points/products/soap") and product.picture.name.endswith(".jpg")
    assert stored_picture(product).format == "JPEG" and stored_picture(product).size == (64, 48)


def test_a_big_photo_is_stored_at_most_800_pixels_without_its_gps_position(town):
    photo = picture_bytes(4000, 3000, exif=gps_exif())
    product = create(town, picture=upload("shelf.jpg", photo))
    image = stored_picture(product)
    assert image.size == (800, 600)
    assert not image.getexif().get_ifd(GPS_IFD) and "exif" not in image.info


def test_a_60000_by_60000_picture_is_a_field_error_on_create_and_on_update(town, soap):
    with pytest.raises(ValidationError) as caught:
        create(town, picture=upload("bomb.png", huge_png()))
    assert list(caught.value.message_dict) == ["picture"]
    with pytest.raises(ValidationError) as caught:
        catalogue.product_update(product=soap, actor=town.staff_a, picture=upload("bomb.png", huge_png()))
    assert list(caught.value.message_dict) == ["picture"]
    soap.refresh_from_db()
    assert not soap.picture and Product.objects.count() == 1


def test_a_picture_that_is_not_an_image_is_refused(town):
    with pytest.raises(ValidationError) as caught:
        create(town, picture=upload("soap.png", b"MZ not an image at all"))
    assert "picture" in caught.value.message_dict
    assert not Product.objects.exists()


# ---- services: editing ----------------------------------------------------------------------
def test_staff_change_name_price_and_offer(town, soap):
    product = catalogue.product_update(
        product=soap, actor=town.staff_a, name="香皂（大）", points_price=4, is_active=False
    )
    assert (product.name, product.price, product.is_active, product.stock) == ("香皂（大）", 4, False, 100)
    assert list(selectors.redeemable_products(town.resident_a).filter(pk=soap.pk)) == []


def test_staff_of_another_station_cannot_change_the_goods(town, soap):
    with pytest.raises(NotAllowed):
        catalogue.product_update(product=soap, actor=town.staff_b, points_price=1)
    soap.refresh_from_db()
    assert soap.price == 3


def test_a_reservation_made_while_staff_edit_the_stock_is_kept(town, soap):
    """Worked example: staff open the form at 100 and type 120 (20 delivered); meanwhile a
    resident reserves 2. The shelf then holds 118 that can be reserved, not 120."""
    post_entry(town.household_a, 50)
    seen = soap.stock
    shop.redemption_create(user=town.resident_a, product=soap, quantity=2)
    product = catalogue.product_update(product=soap, actor=town.staff_a, stock=120, stock_seen=seen)
    assert product.stock == 118


def test_the_stock_seen_defaults_to_the_product_as_the_caller_read_it(town, soap):
    post_entry(town.household_a, 50)
    shop.redemption_create(user=town.resident_a, product=soap, quantity=1)
    product = catalogue.product_update(product=soap, actor=town.staff_a, stock=90)  # soap.stock still 100
    assert product.stock == 89


def test_stock_cannot_be_lowered_below_what_reservations_left(town, oil):
    """2 in stock; staff want to take 2 off the shelf (broken bottles), but a resident just
    reserved 1: refused with a message, nothing else of the edit is saved."""
    post_entry(town.household_a, 50)
    shop.redemption_create(user=town.resident_a, product=oil, quantity=1)
    with pytest.raises(ValidationError) as caught:
        catalogue.product_update(product=oil, actor=town.institute_staff, stock=0, stock_seen=2, name="坏名字")
    assert "stock" in caught.value.message_dict
    oil.refresh_from_db()
    assert (oil.stock, oil.name) == (1, "食用油")


def test_a_negative_stock_is_refused(town, soap):
    with pytest.raises(ValidationError) as caught:
        catalogue.product_update(product=soap, actor=town.staff_a, stock=-5)
    assert "stock" in caught.value.message_dict


def test_an_unknown_field_is_a_programming_error(town, soap):
    with pytest.raises(TypeError):
        catalogue.product_update(product=soap, actor=town.staff_a, site=town.station_b)


def test_a_new_picture_replaces_the_old_and_false_removes_it(town, soap):
    product = catalogue.product_update(
        product=soap, actor=town.staff_a, picture=upload("a.png", picture_bytes(1600, 1600, fmt="PNG"))
    )
    assert product.picture.name.startswith("points/products/a") and product.picture.name.endswith(".jpg")
    assert stored_picture(product).size == (800, 800)
    product = catalogue.product_update(product=product, actor=town.staff_a, picture=False)
    assert not product.picture


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_on_postgresql_stock_raised_while_residents_redeem_loses_no_reservation(town):
    """12 residents each reserve 1 of 12 while 4 staff edits, all opened at 12, add 10 each:
    12 - 12 + 40 = 40 left, and 12 reservations."""
    from tests.factories import HouseholdFactory, UserFactory
    from tests.points.test_concurrency import run_at_once

    product = Product.objects.create(site=town.station_a, name="毛巾", price=1, stock=12)
    residents = []
    for _i in range(12):
        household = HouseholdFactory(grid=town.grid_a)
        post_entry(household, 5)
        residents.append(UserFactory(household=household))

    def work(i):
        from practice_center.models import User

        fresh = Product.objects.get(pk=product.pk)
        if i < 12:
            return shop.redemption_create(user=User.objects.get(pk=residents[i].pk), product=fresh, quantity=1)
        staff = User.objects.get(pk=town.staff_a.pk)
        return catalogue.product_update(product=fresh, actor=staff, stock=22, stock_seen=12)

    results = run_at_once(16, work)
    assert [type(r).__name__ for r in results] == ["Redemption"] * 12 + ["Product"] * 4, results
    product.refresh_from_db()
    assert product.stock == 40
    assert product.redemptions.count() == 12


# ---- uploads --------------------------------------------------------------------------------
# `check_upload` (first bytes and the name) is gone: pictures are opened by Pillow and re-encoded
# (practice_center/images.py, tested in tests/practice_center/test_images.py). What changed in
# these expectations: a real picture is accepted whatever its name says ("fake.png" holding a
# JPEG, "noext"), since only the re-encoded JPEG is stored; a bare signature is refused.
GIF = picture_bytes(fmt="GIF")
WEBP = picture_bytes(fmt="WEBP")


@pytest.mark.parametrize(
    ("name", "content", "evidence", "accepted"),
    [
        pytest.param("photo.JPG", JPEG, False, True, id="jpeg"),
        pytest.param("photo.png", PNG, False, True, id="png"),
        pytest.param("anim.gif", GIF, False, True, id="gif"),
        pytest.param("pic.webp", WEBP, False, True, id="webp"),
        # accepted: the stored copy is a JPEG whatever the name says
        pytest.param("fake.png", JPEG, False, True, id="jpeg-named-png"),
        pytest.param("noext", PNG, True, True, id="png-without-extension"),
        pytest.param("proof.pdf", PDF, True, True, id="pdf-where-allowed"),
        pytest.param("proof.pdf", PDF, False, False, id="pdf-where-not-allowed"),
        pytest.param("photo.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 64, False, False, id="jpeg-signature-only"),
        pytest.param("anim.gif", b"GIF89a" + b"\x00" * 20, False, False, id="gif-signature-only"),
        pytest.param("pic.webp", b"RIFF\x00\x00\x00\x00WEBPVP8 ", False, False, id="webp-signature-only"),
        pytest.param("fake.pdf", b"<html>", True, False, id="html-named-pdf"),
        pytest.param("image.svg", b"<svg onload=alert(1)>", True, False, id="svg-with-script"),
        pytest.param("wrong.webp", b"RIFF\x00\x00\x00\x00WAVEfmt ", False, False, id="wav-named-webp"),
        pytest.param("bomb.png", huge_png(), True, False, id="png-60000x60000"),
    ],
)
def test_only_pictures_and_for_evidence_pdfs_are_accepted(name, content, evidence, accepted):
    file = upload(name, content)
    check = catalogue.evidence_attachment_file if evidence else catalogue.product_picture_file
    if accepted:
        check(file, field="f")
    else:
        with pytest.raises(ValidationError) as caught:
            check(file, field="f")
        assert list(caught.value.message_dict) == ["f"]


def test_a_file_over_five_megabytes_is_refused_and_exactly_five_is_accepted():
    ok = upload("ok.pdf", PDF + b"0" * (FIVE_MB - len(PDF)))
    assert catalogue.evidence_attachment_file(ok, field="f") is ok
    with pytest.raises(ValidationError) as caught:
        catalogue.evidence_attachment_file(upload("big.pdf", PDF + b"0" * FIVE_MB), field="f")
    assert "5 MB" in caught.value.message_dict["f"][0]


# ---- pages: the products list ---------------------------------------------------------------
def test_staff_see_the_goods_of_their_subtree_with_stock_and_reserved(town, soap, oil, towel_b, login):
    post_entry(town.household_a, 50)
    shop.redemption_create(user=town.resident_a, product=soap, quantity=3)
    shop.redemption_create(user=town.resident_a, product=soap, quantity=2)
    page = login(town.staff_a).get(reverse("points:products")).content.decode()
    row = page.split(f'data-testid="product-{soap.pk}"')[1].split("</tr>")[0]
    assert ">95</td>" in row.split("data-label")[3]  # stock left
    assert ">5</td>" in row.split("data-label")[4]  # reserved, waiting for pickup
    assert "香皂" in page and "毛巾" not in page  # towel_b is station B's
    assert reverse("points:product_new") in page
    assert reverse("points:product_edit", args=[soap.pk]) in page


def test_the_institute_staff_see_both_stations_goods(town, soap, towel_b, login):
    page = login(town.institute_staff).get(reverse("points:products")).content.decode()
    assert "香皂" in page and "毛巾" in page


@pytest.mark.parametrize("size", [2, 30])
def test_the_products_page_query_count_does_not_grow(town, client, django_assert_num_queries, size, login):
    post_entry(town.household_a, 1000)
    for i in range(size):
        product = Product.objects.create(site=town.station_a, name=f"物品{i}", price=1, stock=5)
        shop.redemption_create(user=town.resident_a, product=product, quantity=1)
    login(town.staff_a)
    client.get(reverse("points:products"))  # warm the session
    # session, user, scope (roles, teams led), count, the page with its sums, then the other
    # apps' menu entries: the same for any number of goods.
    with django_assert_num_queries(8):
        response = client.get(reverse("points:products"))
    assert response.status_code == 200


@pytest.mark.parametrize("name", ["points:products", "points:product_new"])
def test_anonymous_visitors_are_sent_to_log_in(client, town, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_anonymous_visitors_cannot_edit_goods(client, soap):
    response = client.post(reverse("points:product_edit", args=[soap.pk]), {"name": "x"})
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_residents_may_not_open_the_product_pages(town, soap, client, login):
    login(town.resident_a)
    assert client.get(reverse("points:product_new")).status_code == 403
    assert client.get(reverse("points:product_edit", args=[soap.pk])).status_code == 403
    response = client.post(reverse("points:product_edit", args=[soap.pk]), {"name": "x", "points_price": 1, "stock": 1})
    assert response.status_code == 403
    soap.refresh_from_db()
    assert soap.name == "香皂"


def test_staff_of_another_station_get_404_on_the_goods(town, soap, client, login):
    login(town.staff_b)
    url = reverse("points:product_edit", args=[soap.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"name": "x", "points_price": 1, "stock": 1, "stock_seen": 100}).status_code == 404
    soap.refresh_from_db()
    assert soap.name == "香皂"


def test_a_missing_product_is_404(town, login):
    assert login(town.staff_a).get(reverse("points:product_edit", args=[999999])).status_code == 404


# ---- pages: new product ---------------------------------------------------------------------
def test_staff_add_a_product_with_a_picture_and_residents_see_it_in_the_shop(town, client, login):
    login(town.staff_a)
    form = client.get(reverse("points:product_new")).content.decode()
    assert 'enctype="multipart/form-data"' in form
    assert town.station_b.name not in form  # only sites staff_a manages are offered
    response = client.post(
        reverse("points:product_new"),
        {
            "site": town.station_a.pk,
            "name": "牙膏",
            "description": "家庭装",
            "points_price": "12",
            "stock": "30",
            "is_active": "on",
            "picture": upload("toothpaste.png", PNG, "image/png"),
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("points:products")
    product = Product.objects.get(name="牙膏")
    assert (product.site, product.price, product.stock, product.is_active) == (town.station_a, 12, 30, True)
    assert product.picture
    shop = login(town.resident_a).get(reverse("points:shop")).content.decode()
    assert "牙膏" in shop and "家庭装" in shop


def test_bad_input_on_a_new_product_keeps_the_typed_values(town, client, login):
    login(town.staff_a)
    response = client.post(
        reverse("points:product_new"),
        {"site": town.station_a.pk, "name": "牙刷", "description": "软毛", "points_price": "0", "stock": "-2"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'value="牙刷"' in page and "软毛" in page and 'value="0"' in page and 'value="-2"' in page
    assert page.count('class="errorlist"') == 2
    assert not Product.objects.exists()


@pytest.mark.parametrize(
    "price",
    [
        pytest.param("abc", id="letters"),
        pytest.param("1.5", id="fraction"),
        pytest.param("99999999999999999999", id="20-digits"),
    ],
)
def test_garbage_prices_are_form_errors_not_server_errors(town, client, price, login):
    login(town.staff_a)
    response = client.post(
        reverse("points:product_new"), {"site": town.station_a.pk, "name": "x", "points_price": price, "stock": "1"}
    )
    assert response.status_code == 400
    assert "points_price" in response.context["form"].errors
    assert not Product.objects.exists()


def test_an_arabic_indic_digit_price_is_read_as_that_number(town, client, login):
    login(town.staff_a)
    response = client.post(
        reverse("points:product_new"), {"site": town.station_a.pk, "name": "x", "points_price": "\u0661", "stock": "1"}
    )
    assert response.status_code == 302  # "١" (Arabic-Indic one) is a valid whole number to Django
    assert Product.objects.get().price == 1


def test_staff_cannot_add_goods_at_a_site_they_do_not_manage(town, client, login):
    login(town.staff_a)
    response = client.post(
        reverse("points:product_new"),
        {"site": town.station_b.pk, "name": "牙刷", "points_price": "2", "stock": "2", "is_active": "on"},
    )
    assert response.status_code == 400
    assert not Product.objects.exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        pytest.param("big.png", PNG + b"\x00" * FIVE_MB, "5 MB", id="png-over-5MB"),
        pytest.param("virus.exe", b"MZ\x90\x00", "JPEG", id="exe"),
        pytest.param("renamed.png", b"%PDF-1.4 not a picture", "JPEG", id="pdf-named-png"),
        pytest.param("leaflet.pdf", PDF, "JPEG", id="pdf"),  # a PDF is evidence, not a product picture
        pytest.param("cut.jpg", picture_bytes(800, 600)[:3000], "JPEG", id="truncated-jpeg"),
        pytest.param("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "JPEG", id="svg"),
        pytest.param("bomb.png", huge_png(), "40,000,000", id="png-60000x60000"),  # at most 40,000,000 pixels
    ],
)
def test_a_wrong_picture_is_a_clear_form_error(town, client, name, content, message, login):
    login(town.staff_a)
    response = client.post(
        reverse("points:product_new"),
        {
            "site": town.station_a.pk,
            "name": "牙刷",
            "points_price": "2",
            "stock": "2",
            "picture": upload(name, content),
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page and 'value="牙刷"' in page
    assert not Product.objects.exists()


# ---- pages: edit product --------------------------------------------------------------------
def test_staff_edit_a_product_and_the_shop_shows_the_change(town, soap, client, login):
    login(town.staff_a)
    form = client.get(reverse("points:product_edit", args=[soap.pk])).content.decode()
    assert 'name="stock_seen" value="100"' in form
    response = client.post(
        reverse("points:product_edit", args=[soap.pk]),
        {
            "name": "香皂（新）",
            "description": "",
            "points_price": "4",
            "stock": "100",
            "stock_seen": "100",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    soap.refresh_from_db()
    assert (soap.name, soap.price, soap.stock) == ("香皂（新）", 4, 100)
    assert "香皂（新）" in login(town.resident_a).get(reverse("points:shop")).content.decode()


def test_the_edit_form_changes_stock_by_the_difference_to_what_was_seen(town, soap, login):
    post_entry(town.household_a, 50)
    shop.redemption_create(user=town.resident_a, product=soap, quantity=4)  # after the form was opened
    login(town.staff_a).post(
        reverse("points:product_edit", args=[soap.pk]),
        {"name": "香皂", "points_price": "3", "stock": "110", "stock_seen": "100", "is_active": "on"},
    )
    soap.refresh_from_db()
    assert soap.stock == 106


def test_a_stock_cut_that_reservations_made_impossible_is_a_form_error(town, oil, login):
    post_entry(town.household_a, 50)
    shop.redemption_create(user=town.resident_a, product=oil, quantity=2)
    response = login(town.institute_staff).post(
        reverse("points:product_edit", args=[oil.pk]),
        {"name": "食用油", "points_price": "6", "stock": "1", "stock_seen": "2", "is_active": "on"},
    )
    assert response.status_code == 400
    assert 'value="1"' in response.content.decode()
    oil.refresh_from_db()
    assert oil.stock == 0


@pytest.mark.parametrize("seen", ["x", "-1", pytest.param("9" * 20, id="20-digits"), "1e3"])
def test_a_tampered_stock_seen_is_a_form_error_not_a_server_error(town, soap, login, seen):
    response = login(town.staff_a).post(
        reverse("points:product_edit", args=[soap.pk]),
        {"name": "香皂", "points_price": "3", "stock": "5", "stock_seen": seen, "is_active": "on"},
    )
    assert response.status_code == 400
    soap.refresh_from_db()
    assert soap.stock == 100


def test_a_stock_seen_out_of_range_is_refused_by_the_service(town, soap):
    with pytest.raises(ValidationError):
        catalogue.product_update(product=soap, actor=town.staff_a, stock=5, stock_seen=10**30)


def test_unticking_on_offer_takes_the_goods_out_of_the_shop(town, soap, login):
    login(town.staff_a).post(
        reverse("points:product_edit", args=[soap.pk]),
        {"name": "香皂", "points_price": "3", "stock": "100", "stock_seen": "100"},
    )
    soap.refresh_from_db()
    assert soap.is_active is False
    shop = login(town.resident_a).get(reverse("points:shop")).content.decode()
    assert f'id="p{soap.pk}"' not in shop


def test_bad_input_on_an_edit_keeps_the_typed_values(town, soap, login):
    response = login(town.staff_a).post(
        reverse("points:product_edit", args=[soap.pk]),
        {"name": "", "points_price": "-1", "stock": "7", "stock_seen": "100", "is_active": "on"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'value="-1"' in page and 'value="7"' in page
    soap.refresh_from_db()
    assert (soap.price, soap.stock) == (3, 100)


def test_an_edit_without_a_new_picture_keeps_the_old_one(town, login):
    product = create(town, picture=upload("soap.png", PNG))
    old = product.picture.name
    login(town.staff_a).post(
        reverse("points:product_edit", args=[product.pk]),
        {"name": "肥皂", "points_price": "5", "stock": "10", "stock_seen": "10", "is_active": "on"},
    )
    product.refresh_from_db()
    assert product.picture.name == old


def test_residents_see_the_picture_in_the_shop_served_by_the_portal(town, client, login):
    product = create(town, picture=upload("soap.png", PNG))
    login(town.resident_a)
    url = reverse("points:product_picture", args=[product.pk])
    assert f'src="{url}"' in client.get(reverse("points:shop")).content.decode()
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"  # the stored copy, not the PNG sent
    assert b"".join(response.streaming_content)[:3] == b"\xff\xd8\xff"


def test_a_4000_by_3000_photo_is_served_to_phones_at_800_pixels_without_gps(town, login):
    product = create(town, picture=upload("shelf.jpg", picture_bytes(4000, 3000, exif=gps_exif())))
    response = login(town.resident_a).get(reverse("points:product_picture", args=[product.pk]))
    served = Image.open(io.BytesIO(b"".join(response.streaming_content)))
    assert served.size == (800, 600) and not served.getexif().get_ifd(GPS_IFD)


def test_the_picture_of_another_station_s_goods_or_of_goods_without_one_is_404(town, soap, client, login):
    product = create(town, picture=upload("soap.png", PNG))
    login(town.resident_b)
    assert client.get(reverse("points:product_picture", args=[product.pk])).status_code == 404
    login(town.resident_a)
    assert client.get(reverse("points:product_picture", args=[soap.pk])).status_code == 404
    assert client.get(reverse("points:product_picture", args=[999999])).status_code == 404


def test_anonymous_visitors_get_no_product_picture(town, client):
    product = create(town, picture=upload("soap.png", PNG))
    response = client.get(reverse("points:product_picture", args=[product.pk]))
    assert response.status_code == 302


# ---- award evidence -------------------------------------------------------------------------
def award(client, town, **files):
    rule = Rule.objects.get(code="cleanup")
    data = {"household": town.household_a.pk, "rule": rule.pk, "quantity": "1", "note": "清理河道", "evidence": ""}
    return client.post(reverse("points:award") + "?q=张", {**data, **files})


def test_staff_attach_a_photo_or_pdf_to_an_award(town, client, login):
    login(town.staff_a)
    response = award(client, town, attachment=upload("proof.pdf", PDF, "application/pdf"))
    assert response.status_code == 302
    entry = Entry.objects.get(account__household=town.household_a)
    assert entry.attachment.name.startswith("points/evidence/2027/03/proof")
    assert entry.hash == entry.compute_hash()  # the file's name is in the hashed content
    with entry.attachment.open("rb") as kept:
        assert kept.read() == PDF  # a PDF is kept as it was sent


def test_an_evidence_photo_is_kept_at_most_1600_pixels_without_gps(town, client, login):
    login(town.staff_a)
    photo = picture_bytes(4000, 3000, exif=gps_exif())
    assert award(client, town, attachment=upload("proof.jpg", photo, "image/jpeg")).status_code == 302
    entry = Entry.objects.get(account__household=town.household_a)
    assert entry.attachment.name.startswith("points/evidence/2027/03/proof") and entry.attachment.name.endswith(".jpg")
    assert entry.hash == entry.compute_hash()
    with entry.attachment.open("rb") as kept:
        image = Image.open(io.BytesIO(kept.read()))
        assert image.size == (1600, 1200) and not image.getexif().get_ifd(GPS_IFD)


def test_the_award_form_is_multipart(town, login):
    page = login(town.staff_a).get(reverse("points:award"), {"q": "张"}).content.decode()
    assert 'enctype="multipart/form-data"' in page and 'name="attachment"' in page


def test_an_award_without_a_file_still_works(town, login):
    assert award(login(town.staff_a), town).status_code == 302
    assert not Entry.objects.get(account__household=town.household_a).attachment


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        pytest.param("huge.jpg", JPEG + b"\x00" * FIVE_MB, "5 MB", id="jpeg-over-5MB"),
        pytest.param("notes.docx", b"PK\x03\x04", "PDF", id="docx"),
        pytest.param("fake.pdf", b"MZ\x90\x00", "PDF", id="exe-named-pdf"),
        pytest.param("bomb.png", huge_png(), "40,000,000", id="png-60000x60000"),
        pytest.param("cut.jpg", picture_bytes(800, 600)[:3000], "PDF", id="truncated-jpeg"),
    ],
)
def test_a_wrong_evidence_file_is_a_form_error_and_nothing_is_awarded(town, login, name, content, message):
    response = award(login(town.staff_a), town, attachment=upload(name, content))
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page and "清理河道" in page
    assert not Entry.objects.exists()


def test_staff_see_the_evidence_link_on_the_ledger_and_open_the_file(town, client, login):
    login(town.staff_a)
    award(client, town, attachment=upload("proof.jpg", JPEG, "image/jpeg"))
    entry = Entry.objects.get()
    page = client.get(reverse("points:ledger"), {"household": town.household_a.pk}).content.decode()
    url = reverse("points:entry_attachment", args=[entry.pk])
    assert url in page
    response = client.get(url)
    assert response.status_code == 200
    # A photo is served re-encoded, never as it was sent.
    assert b"".join(response.streaming_content)[:3] == b"\xff\xd8\xff"
    assert response["Content-Type"] == "image/jpeg"


def test_the_household_does_not_see_the_evidence_file(town, client, login):
    award(login(town.staff_a), town, attachment=upload("proof.jpg", JPEG))
    entry = Entry.objects.get()
    login(town.resident_a)
    assert "evidence-link" not in client.get(reverse("points:ledger")).content.decode()
    assert client.get(reverse("points:entry_attachment", args=[entry.pk])).status_code == 403


def test_staff_of_another_station_cannot_open_the_evidence(town, client, login):
    award(login(town.staff_a), town, attachment=upload("proof.jpg", JPEG))
    entry = Entry.objects.get()
    login(town.staff_b)
    assert client.get(reverse("points:entry_attachment", args=[entry.pk])).status_code == 404


def test_evidence_of_an_entry_without_a_file_or_a_missing_entry_is_404(town, client, login):
    post_entry(town.household_a, 5)
    login(town.staff_a)
    assert client.get(reverse("points:entry_attachment", args=[Entry.objects.get().pk])).status_code == 404
    assert client.get(reverse("points:entry_attachment", args=[999999])).status_code == 404


def test_anonymous_visitors_cannot_open_evidence(town, client):
    response = client.get(reverse("points:entry_attachment", args=[1]))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


# ---- navigation -----------------------------------------------------------------------------
def test_staff_reach_the_products_page_from_the_menu_and_the_pickup_page(town, client, login):
    login(town.staff_a)
    home = client.get("/").content.decode()
    assert reverse("points:products") in home
    assert reverse("points:products") not in login(town.resident_a).get("/").content.decode()


# ---- pictures kept from before re-encoding ---------------------------------------------------
def test_pictures_stored_before_are_re_encoded_and_what_is_no_picture_is_removed(town, soap):
    from django.core.files.base import ContentFile
    from django.core.management import call_command

    from practice_center.models import AuditEvent

    storage = Product._meta.get_field("picture").storage
    big = storage.save("points/products/old.png", ContentFile(picture_bytes(4000, 3000, fmt="PNG", exif=gps_exif())))
    bomb = storage.save("points/products/bomb.png", ContentFile(huge_png()))
    Product.objects.filter(pk=soap.pk).update(picture=big)
    other = create(town, name="牙刷")
    Product.objects.filter(pk=other.pk).update(picture=bomb)
    out = io.StringIO()
    call_command("reencode_product_pictures", stdout=out)
    assert "re-encoded 1, removed 1" in out.getvalue()
    soap.refresh_from_db()
    other.refresh_from_db()
    assert soap.picture.name.endswith(".jpg") and stored_picture(soap).size == (800, 600)
    assert not other.picture
    assert not storage.exists(big) and not storage.exists(bomb)
    assert AuditEvent.objects.filter(action="product.reencode_picture").count() == 2
