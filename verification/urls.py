"""Staff, verifier and enterprise pages of verification; each views module lists its own URLs."""

from verification.views import (
    assignments,
    confirmation,
    evaluation,
    institutions,
    objections,
    work,
)

app_name = "verification"

urlpatterns = [
    *institutions.urlpatterns,
    *assignments.urlpatterns,
    *work.urlpatterns,
    *confirmation.urlpatterns,
    *objections.urlpatterns,
    *evaluation.urlpatterns,
]
