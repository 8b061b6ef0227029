import pytest

from units import uscc
from units.validators import uscc_error_message

# Codes whose check characters were verified by hand (domain-facts §10).
KNOWN_VALID = [
    "91350100M000100Y43",
    "913502000728319549",
    "91350200776049653A",
    "91440101MA5CJQ4N59",
    "9135021359498494XQ",
    "91350213678251743X",
]


@pytest.mark.parametrize("code", KNOWN_VALID)
def test_accepts_valid_codes(code):
    assert uscc.check(code).is_valid


@pytest.mark.parametrize("code", KNOWN_VALID)
def test_rejects_every_single_character_change(code):
    rejected = 0
    for position in range(18):
        for replacement in uscc.CHARSET + "IOSVZ":
            if replacement == code[position]:
                continue
            changed = code[:position] + replacement + code[position + 1 :]
            assert not uscc.check(changed).is_valid, changed
            rejected += 1
    assert rejected == 18 * 35


def test_normalises_lower_case_and_spaces():
    result = uscc.check(" 91440101ma5cjq4n59 ")
    assert result.is_valid
    assert result.code == "91440101MA5CJQ4N59"


def test_error_names_the_expected_check_character():
    result = uscc.check("91350100M000100Y44")
    assert not result.is_valid
    assert result.expected_check_character == "3"
    message = uscc_error_message(result)
    assert "91350100M000100Y44" in message
    assert "3" in message


@pytest.mark.parametrize(
    ("code", "error"),
    [("9135010", "length"), ("91350100M000100Y4300", "length"), ("91AB0100M000100Y43", "format")],
)
def test_reports_length_and_format_errors(code, error):
    assert uscc.check(code).error == error


def test_make_builds_a_valid_code():
    assert uscc.make("91350100M000100Y4") == "91350100M000100Y43"
