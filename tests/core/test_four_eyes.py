from types import SimpleNamespace

import pytest

from core import four_eyes
from core.errors import DomainError


def record(status):
    return SimpleNamespace(status=status, get_status_display=lambda: status.title())


@pytest.mark.parametrize(
    ("actor", "involved", "expected"),
    [
        (3, (1, 2), True),
        (1, (1, 2), False),
        (2, (1, 2), False),
        (2, (None,), True),
        (None, (), False),
    ],
)
def test_second_person_is_none_of_those_involved(actor, involved, expected):
    assert four_eyes.second_person(actor, *involved) is expected


def test_require_second_person_refuses_with_the_apps_message():
    four_eyes.require_second_person(3, 1, 2, message="no")
    with pytest.raises(DomainError, match=r"^no$"):
        four_eyes.require_second_person(2, 1, 2, message="no")


def test_require_status_explains_the_current_status_or_names_it():
    explanations = {"approved": "final", "submitted": "with its approver"}
    otherwise = "It is %(status)s."
    four_eyes.require_status(
        record("draft"), "draft", otherwise=otherwise, explanations=explanations
    )
    refusals = {}
    for status, allowed in [("approved", "draft"), ("submitted", "draft"), ("draft", "submitted")]:
        with pytest.raises(DomainError) as refused:
            four_eyes.require_status(
                record(status), allowed, otherwise=otherwise, explanations=explanations
            )
        refusals[status] = refused.value.message
    assert refusals == {
        "approved": "final",
        "submitted": "with its approver",
        "draft": "It is Draft.",
    }
    with pytest.raises(DomainError, match=r"^It is Submitted\.$"):
        four_eyes.require_status(record("submitted"), "draft", otherwise=otherwise)
