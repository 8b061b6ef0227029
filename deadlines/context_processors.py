from accounts.scoping import actor_for
from deadlines.selectors import unread_count


def inbox(request):
    """The unread count in the header, computed only when a template asks for it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_count": lambda: unread_count(actor=actor_for(user))}
