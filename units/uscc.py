"""The unified social credit code (统一社会信用代码), GB 32100-2015.

18 characters from a 31-character set (digits and capitals without I, O, S, V, Z). The last one is
a check character: 31 - (sum of value x 3^(i-1) mod 31 over positions 1-17) mod 31.
"""

import re
from dataclasses import dataclass

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
FORMAT = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")


@dataclass(frozen=True)
class UsccCheck:
    code: str
    is_valid: bool
    error: str = ""
    expected_check_character: str = ""


def normalise(raw: str) -> str:
    """Upper case with every kind of white space removed; no silent O→0 or I→1 guessing."""
    return re.sub(r"\s+", "", raw or "").upper()


def check_character(first_17: str) -> str:
    total = sum(
        CHARSET.index(char) * weight for char, weight in zip(first_17, WEIGHTS, strict=True)
    )
    return CHARSET[(31 - total % 31) % 31]


def check(raw: str) -> UsccCheck:
    code = normalise(raw)
    if len(code) != 18:
        return UsccCheck(code, False, "length")
    if not FORMAT.match(code):
        return UsccCheck(code, False, "format")
    expected = check_character(code[:17])
    if code[17] != expected:
        return UsccCheck(code, False, "check", expected)
    return UsccCheck(code, True)


def make(first_17: str) -> str:
    """A valid code from its first 17 characters (demo data and tests)."""
    return first_17 + check_character(first_17)
