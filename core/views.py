from django.http import JsonResponse
from django.views.decorators.cache import never_cache

from core import selectors


@never_cache
def health(request):
    """Liveness for load balancers and the smoke test: the database answers, and the worker's
    last heartbeat (None until beat and the worker have run one)."""
    return JsonResponse(selectors.health())
