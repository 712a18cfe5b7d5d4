from django.urls import path

from integrations.pages.activities import views as activity_views
from integrations.pages.connections import views as connection_views
from integrations.pages.contact_page import views as contact_page_views
from integrations.pages.contacts import views as contact_views
from integrations.pages.health import views as health_views
from integrations.pages.mappings import views as mapping_views
from integrations.pages.reconcile import views as reconcile_views

urlpatterns = [
    path("connections/", connection_views.connections, name="connections"),
    path("connections/hubspot/", connection_views.hubspot_save, name="connections_hubspot_save"),
    path(
        "connections/salesforce/",
        connection_views.salesforce_save,
        name="connections_salesforce_save",
    ),
    path("connections/test/", connection_views.test, name="connections_test"),
    path("contacts/", contact_views.contacts, name="contacts"),
    path("contacts/lists/", contact_views.list_choices, name="contacts_list_choices"),
    path("contacts/preview/", contact_views.list_preview, name="contacts_list_preview"),
    path("contacts/inclusion-list/", contact_views.inclusion_list_save, name="contacts_list_save"),
    path("contacts/settings/", contact_views.settings_save, name="contacts_settings_save"),
    path("contacts/sync/", contact_views.sync_now, name="contacts_sync_now"),
    path("contacts/explain/", contact_views.explain, name="contacts_explain"),
    path("contacts/c/<path:ref>/", contact_page_views.contact_page, name="contact_page"),
    path("contacts/mappings/", mapping_views.mappings, name="contacts_mappings"),
    path("contacts/mappings/add/", mapping_views.mapping_add_view, name="contacts_mappings_add"),
    path(
        "contacts/mappings/<int:mapping_id>/",
        mapping_views.mapping_change_view,
        name="contacts_mappings_change",
    ),
    path(
        "contacts/mappings/<int:mapping_id>/delete/",
        mapping_views.mapping_delete_view,
        name="contacts_mappings_delete",
    ),
    path("contacts/lists/new/", contact_views.list_builder, name="contacts_list_builder"),
    path("contacts/lists/create/", contact_views.list_builder_create, name="contacts_list_create"),
    path(
        "contacts/lists/<str:list_id>/status/",
        contact_views.list_status,
        name="contacts_list_status",
    ),
    path("activities/", activity_views.activities, name="activities"),
    path("activities/sync/", activity_views.activities_sync_now, name="activities_sync_now"),
    path("activities/owners/", activity_views.owners, name="activities_owners"),
    path("activities/owners/match/", activity_views.owners_match, name="activities_owners_match"),
    path(
        "activities/owners/<str:owner_id>/",
        activity_views.owner_mapping_save,
        name="activities_owner_save",
    ),
    path(
        "activities/<str:key>/preview/",
        activity_views.activity_preview_view,
        name="activity_type_preview",
    ),
    path("health/", health_views.health, name="health"),
    path("health/retry/", health_views.health_retry_view, name="health_retry"),
    path("health/reconcile/", reconcile_views.reconcile_now, name="reconcile_now"),
    path("health/reconcile/fix/", reconcile_views.reconcile_fix_view, name="reconcile_fix"),
    path(
        "health/reconcile/schedule/",
        reconcile_views.reconcile_schedule_save,
        name="reconcile_schedule",
    ),
    path(
        "health/reconcile/findings.csv",
        reconcile_views.reconcile_export,
        name="reconcile_export",
    ),
]
