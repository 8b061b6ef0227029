from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from units import uscc


def uscc_error_message(result: uscc.UsccCheck) -> str:
    if result.error == "length":
        return _("The unified social credit code must have 18 characters; %(code)s has %(n)d.") % {
            "code": result.code,
            "n": len(result.code),
        }
    if result.error == "format":
        return _(
            "The unified social credit code %(code)s is invalid: it may only contain digits and "
            "capital letters other than I, O, S, V and Z, with digits in positions 3 to 8."
        ) % {"code": result.code}
    return _(
        "The unified social credit code %(code)s is invalid: its check character should be "
        "%(expected)s, not %(actual)s."
    ) % {
        "code": result.code,
        "expected": result.expected_check_character,
        "actual": result.code[-1],
    }


def validate_uscc(value: str) -> None:
    result = uscc.check(value)
    if not result.is_valid:
        raise ValidationError(uscc_error_message(result), code="invalid_uscc")
