from django.contrib.auth import views as auth_views
from django.urls import path

from core.login_form import LoginForm
from core.time_zones import time_zone_save
from core.views import audit, health_check, jobs, pages

urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(
            redirect_authenticated_user=True, authentication_form=LoginForm
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("me/time-zone/", time_zone_save, name="time_zone_save"),
    path("", pages.overview, name="overview"),
    path("overview/live/", pages.overview_live_view, name="overview_live"),
    path("jobs/", jobs.jobs, name="jobs"),
    path("jobs/table/", jobs.jobs_table, name="jobs_table"),
    path("jobs/<int:job_id>/", jobs.job_detail, name="job_detail"),
    path("jobs/<int:job_id>/progress/", jobs.job_progress, name="job_progress"),
    path("jobs/<int:job_id>/events/", jobs.job_events_view, name="job_events"),
    path("jobs/<int:job_id>/cancel/", jobs.job_cancel_view, name="job_cancel"),
    path("jobs/<int:job_id>/cancel/confirm/", jobs.job_cancel_confirm, name="job_cancel_confirm"),
    path("audit/", audit.audit_log, name="audit_log"),
    path("audit/history/", audit.audit_history, name="audit_history"),
    path("audit/export.csv", audit.audit_export, name="audit_export"),
    path("audit/retention/", audit.audit_retention, name="audit_retention"),
    path("healthz", health_check.healthz, name="healthz"),
]
