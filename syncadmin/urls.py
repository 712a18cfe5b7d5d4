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
