import pytest
from django.core.management import CommandError, call_command
from rest_framework.exceptions import AuthenticationFailed

from accounts.authentication import ApiTokenAuthentication
from accounts.models import ApiToken

pytestmark = pytest.mark.django_db


def issue(username, capsys):
    call_command("issue_api_token", username)
    return capsys.readouterr().out.strip().splitlines()[-1]


def test_prints_a_token_on_its_last_line_that_authenticates(ministry_user, capsys):
    raw = issue(ministry_user.username, capsys)
    user, _token = ApiTokenAuthentication().authenticate_credentials(raw)
    assert user == ministry_user
    assert ApiToken.objects.get().key_hash != raw  # only the hash is stored


def test_reissuing_replaces_the_old_token(ministry_user, capsys):
    first = issue(ministry_user.username, capsys)
    second = issue(ministry_user.username, capsys)
    assert first != second
    assert ApiToken.objects.count() == 1
    with pytest.raises(AuthenticationFailed):
        ApiTokenAuthentication().authenticate_credentials(first)


def test_revoked_token_no_longer_authenticates(ministry_user, capsys):
    raw = issue(ministry_user.username, capsys)
    call_command("issue_api_token", ministry_user.username, "--revoke")
    with pytest.raises(AuthenticationFailed):
        ApiTokenAuthentication().authenticate_credentials(raw)


def test_unknown_user_is_a_clear_error():
    with pytest.raises(CommandError, match="no active user named 'ghost'"):
        call_command("issue_api_token", "ghost")
