from django.urls import path

from integrations import views

urlpatterns = [
    path("connections/", views.connections, name="connections"),
    path("connections/hubspot/", views.hubspot_save, name="connections_hubspot_save"),
    path("connections/salesforce/", views.salesforce_save, name="connections_salesforce_save"),
    path("connections/test/", views.test, name="connections_test"),
]
