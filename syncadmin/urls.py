from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("integrations.urls")),
    path("", include("alerts.urls")),
    path("", include("core.urls")),
]
