from django.urls import path

from alerts import views

urlpatterns = [
    path("alerts/", views.alerts, name="alerts"),
    path("alerts/channels/", views.channel_add, name="alerts_channel_add"),
    path("alerts/channels/<int:channel_id>/", views.channel_change, name="alerts_channel_change"),
    path(
        "alerts/channels/<int:channel_id>/delete/",
        views.channel_remove,
        name="alerts_channel_delete",
    ),
    path(
        "alerts/channels/<int:channel_id>/test/",
        views.channel_send_test,
        name="alerts_channel_test",
    ),
    path("alerts/rules/", views.rules_save, name="alerts_rules"),
]
