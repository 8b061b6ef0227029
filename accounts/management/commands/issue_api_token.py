from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from accounts.services import issue_api_token, revoke_api_token


class Command(BaseCommand):
    help = "Issue (replacing any earlier one) or revoke the REST API token of a user."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--revoke", action="store_true", help="revoke the user's token instead")

    def handle(self, *args, username, revoke, **options):
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"no active user named {username!r}")
        if revoke:
            revoked = revoke_api_token(actor=None, user=user)
            self.stdout.write("revoked" if revoked else "no active token")
            return
        raw = issue_api_token(actor=None, user=user)
        self.stdout.write(
            f"API token for {username} (shown once; send as 'Authorization: Token <token>'):"
        )
        self.stdout.write(raw)
