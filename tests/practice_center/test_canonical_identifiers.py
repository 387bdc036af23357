"""Identifiers people type are made canonical once: phones, join codes (and pickup codes)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from practice_center.forms import RegisterForm
from practice_center.models import User
from practice_center.models.organisation import cn_mobile_validator, normalise_join_code
from practice_center.text import canonical_code, canonical_phone
from tests.factories import PASSWORD, UserFactory


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        pytest.param("13812345678", "13812345678", id="plain"),
        pytest.param("１３８１２３４５６７８", "13812345678", id="full-width"),
        pytest.param("138 1234 5678", "13812345678", id="spaces"),
        pytest.param("138-1234-5678", "13812345678", id="dashes"),
        pytest.param("+86 138 1234 5678", "13812345678", id="plus-86"),
        pytest.param("0086-13812345678", "13812345678", id="0086"),
        pytest.param("8613812345678", "13812345678", id="86"),
        pytest.param("＋８６　１３８１２３４５６７８", "13812345678", id="full-width-plus-86"),
        pytest.param("", "", id="empty"),
        pytest.param("abc", "abc", id="not-a-number-left-for-the-validator"),
    ],
)
def test_canonical_phone(typed, canonical):
    assert canonical_phone(typed) == canonical


@pytest.mark.parametrize("digits", ["１３８１２３４５６７８", "١٣٨١٢٣٤٥٦٧٨"], ids=["full-width", "arabic-indic"])
def test_the_validator_accepts_ascii_digits_only(digits):
    with pytest.raises(ValidationError):
        cn_mobile_validator(digits)


def test_codes_are_upper_case_ascii_letters_and_digits():
    assert canonical_code(" ab-3ｃ ４x ") == "AB3C4X"
    assert normalise_join_code("ｋ７ｍ-２ｐ９") == "K7M2P9"


@pytest.mark.django_db
def test_a_full_width_phone_is_stored_canonical_and_blocks_nobody(town):
    user = UserFactory(username="fw", phone="１３９００００１１１１")
    assert User.objects.get(pk=user.pk).phone == "13900001111"
    form = RegisterForm(data={"phone": "139 0000 1111"})
    form.is_valid()
    assert form.errors["phone"] == ["该手机号已注册，请直接登录。"]  # "already registered, log in"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "typed", ["+86 138 0000 2222", "１３８００００２２２２", "138-0000-2222"], ids=["plus-86", "full-width", "dashes"]
)
def test_people_log_in_with_the_phone_however_they_type_it(client, typed):
    UserFactory(username="p", phone="13800002222")
    response = client.post("/accounts/login/", {"username": typed, "password": PASSWORD})
    assert response.status_code == 302
    assert response.wsgi_request.user.username == "p"


def test_a_certificate_code_typed_in_full_width_or_with_dashes_is_the_same_code():
    from volunteers.certificates import CODE_ALPHABET, CODE_LENGTH, normalize_code

    code = (CODE_ALPHABET * 2)[:CODE_LENGTH]
    full_width = "".join(chr(ord(ch) + 0xFEE0) for ch in code.lower())
    assert normalize_code(full_width) == normalize_code(f"{code[:4]}-{code[4:8]} {code[8:]}") == code
