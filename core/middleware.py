from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404

from core.errors import NotFound, PermissionDenied


class DomainErrorMiddleware:
    """Turn domain errors that escape a view into 404 / 403 responses, in one place."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, NotFound):
            raise Http404(str(exception))
        if isinstance(exception, PermissionDenied):
            raise DjangoPermissionDenied(str(exception))
        return None
