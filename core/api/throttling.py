from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle


class TokenRateThrottle(SimpleRateThrottle):
    """Requests per API token (per user for a browser session), at the rate named `api` in
    REST_FRAMEWORK's DEFAULT_THROTTLE_RATES. Anonymous requests are not counted here: they
    are refused (401) before throttling, except the public schema and docs."""

    scope = "api"

    def get_rate(self) -> str | None:
        # Read when the throttle is made, not at import, so a changed setting takes effect.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def get_cache_key(self, request, view) -> str | None:
        token_hash = getattr(request.auth, "key_hash", None)
        if token_hash:
            ident = f"token-{token_hash[:32]}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.public_id}"
        else:
            return None
        return self.cache_format % {"scope": self.scope, "ident": ident}
