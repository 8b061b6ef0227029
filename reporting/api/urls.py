"""The reporting app's API routes: (prefix, viewset, basename), collected by config/api.py."""

from reporting.api import views

routes = [
    ("monthly-certifications", views.MonthlyCertificationViewSet, "monthly-certification"),
    ("evidence-files", views.EvidenceFileViewSet, "evidence-file"),
    ("annual-reports", views.AnnualReportViewSet, "annual-report"),
    ("report-attachments", views.ReportAttachmentViewSet, "report-attachment"),
    ("quality-control-plans", views.QualityControlPlanViewSet, "quality-control-plan"),
]
