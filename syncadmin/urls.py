from django.contrib import admin
from django.urls import include, path

from integrations.metrics_views import metrics

urlpatterns = [
    path("admin/", admin.site.urls),
    path("metrics", metrics, name="metrics"),
    path("", include("integrations.urls")),
    path("", include("alerts.urls")),
    path("", include("core.urls")),
]

# A database that is locked or down answers "busy", not a 500 (core/database_busy.py).
handler500 = "core.database_busy.server_error"
