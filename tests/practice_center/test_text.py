from practice_center.text import int_param, mask_name, mask_phone


def test_a_phone_number_shows_first_three_and_last_four_digits():
    assert mask_phone("13812341234") == "138****1234"


def test_short_or_missing_phone_numbers_reveal_nothing():
    assert mask_phone("") == ""
    assert mask_phone("12345") == "*****"


def test_names_keep_the_family_name():
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳建国") == "欧**国"
    assert mask_name("李") == "李"


def test_int_param_takes_only_ascii_digits_within_a_bigint():

    assert int_param("42") == 42
    assert int_param(" 7 ") == 7
    for bad in ("²", "٣", "-1", "1.5", "abc", "", None, "9" * 30):
        assert int_param(bad) is None, bad
