from django.urls import path

from reporting import excel_views, plan_views, report_views, views

app_name = "reporting"

urlpatterns = [
    path("certifications/", views.certifications, name="certifications"),
    path("certifications/start/", views.certification_start, name="certification-start"),
    path(
        "certifications/<uuid:public_id>/",
        views.certification_detail,
        name="certification-detail",
    ),
    path(
        "certifications/<uuid:public_id>/save/",
        views.certification_save,
        name="certification-save",
    ),
    path(
        "certifications/<uuid:public_id>/submit/",
        views.certification_submit,
        name="certification-submit",
    ),
    path("certifications/<uuid:public_id>/evidence/", views.evidence_add, name="evidence-add"),
    path(
        "certifications/<uuid:public_id>/accept/",
        views.certification_accept,
        name="certification-accept",
    ),
    path(
        "certifications/<uuid:public_id>/return/",
        views.certification_return,
        name="certification-return",
    ),
    path(
        "certifications/<uuid:public_id>/findings/<int:finding_id>/waive/",
        views.finding_waive,
        name="finding-waive",
    ),
    path("evidence/<uuid:public_id>/", views.evidence_download, name="evidence-download"),
    path("review/", views.review_queue, name="review-queue"),
    path("excel/template/", excel_views.excel_template, name="excel-template"),
    path(
        "certifications/<uuid:public_id>/excel/",
        excel_views.excel_upload,
        name="excel-upload",
    ),
    path("plans/", plan_views.plan_list, name="plans"),
    path("plans/start/", plan_views.plan_start, name="plan-start"),
    path("plans/<uuid:public_id>/", plan_views.plan_detail, name="plan-detail"),
    path("plans/<uuid:public_id>/save/", plan_views.plan_save, name="plan-save"),
    path("plans/<uuid:public_id>/submit/", plan_views.plan_submit, name="plan-submit"),
    path("plans/<uuid:public_id>/accept/", plan_views.plan_accept, name="plan-accept"),
    path("plans/<uuid:public_id>/return/", plan_views.plan_return, name="plan-return"),
    path("reports/", report_views.report_list, name="reports"),
    path("reports/start/", report_views.report_start, name="report-start"),
    path("reports/<uuid:public_id>/", report_views.report_detail, name="report-detail"),
    path("reports/<uuid:public_id>/save/", report_views.report_save, name="report-save"),
    path("reports/<uuid:public_id>/submit/", report_views.report_submit, name="report-submit"),
    path(
        "reports/<uuid:public_id>/attachments/",
        report_views.report_attachment_add,
        name="report-attachment-add",
    ),
    path("reports/<uuid:public_id>/accept/", report_views.report_accept, name="report-accept"),
    path("reports/<uuid:public_id>/return/", report_views.report_return, name="report-return"),
    path(
        "report-attachments/<uuid:public_id>/",
        report_views.report_attachment_download,
        name="report-attachment-download",
    ),
]
