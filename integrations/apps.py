from django.apps import AppConfig
from django.db.models.signals import post_migrate


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = "Integrations"

    def ready(self) -> None:
        # register the job kinds
        from integrations.engine.activities import jobs as activity_jobs  # noqa: F401
        from integrations.engine.contacts import jobs  # noqa: F401
        from integrations.engine.reconcile import jobs as reconcile_jobs  # noqa: F401

        _register_platform_parts()
        post_migrate.connect(_ensure_setup, sender=self)


def _register_platform_parts() -> None:
    """What the platform's pages show of the product: its Overview cards and the audit
    actions its chart counts, the labels of its audit events' names, the names of
    Salesforce users in the audit trail, and links from a record's history to the
    vendors' apps. ``core`` imports nothing from here;
    these registries are the seam (docs/architecture.md, "How integrations plug into
    the platform")."""
    from core.overview_parts import register_chart_actions, register_overview_part
    from core.plain_labels import (
        register_labels,
        register_settings_object_type,
        register_value_labeller,
    )
    from core.selectors.audit import register_record_linker
    from integrations.audit_links import vendor_record_links
    from integrations.labels import PRODUCT_LABELS, SETTINGS_OBJECT_TYPES, salesforce_user_label
    from integrations.overview import (
        FAILED_ACTIONS,
        SYNCED_ACTIONS,
        overview_connections_part,
        overview_sync_part,
    )

    register_overview_part(overview_sync_part, live=True)
    register_overview_part(overview_connections_part, live=False)
    register_chart_actions(synced=SYNCED_ACTIONS, failed=FAILED_ACTIONS)
    for kind, labels in PRODUCT_LABELS.items():
        register_labels(kind, labels)
    for object_type in SETTINGS_OBJECT_TYPES:
        register_settings_object_type(object_type)
    register_value_labeller(salesforce_user_label)
    register_record_linker(vendor_record_links)


def _ensure_setup(**kwargs: object) -> None:
    """After every migrate (and every flush): the rows the product needs exist.

    Default property mappings on first setup, one toggle row per activity type,
    and the schedules, each created idempotently.
    """
    from integrations.engine.activities.jobs import activity_schedule_ensure
    from integrations.engine.contacts.jobs import contact_schedule_ensure
    from integrations.engine.reconcile.jobs import reconcile_schedule_ensure
    from integrations.models import ActivityType, ContactSyncSettings, PropertyMapping
    from integrations.rules.activity_types import HUBSPOT_TO_SALESFORCE, SALESFORCE_TO_HUBSPOT
    from integrations.rules.mapping_rules import DEFAULT_MAPPINGS

    settings, first_setup = ContactSyncSettings.objects.get_or_create(pk=1)
    if first_setup and not PropertyMapping.objects.exists():
        PropertyMapping.objects.bulk_create(
            PropertyMapping(hubspot_property=hs, salesforce_field=sf, rule=rule, position=i)
            for i, (hs, sf, rule) in enumerate(DEFAULT_MAPPINGS)
        )
    for kinds, direction in (
        (HUBSPOT_TO_SALESFORCE, ActivityType.Direction.HUBSPOT_TO_SALESFORCE),
        (SALESFORCE_TO_HUBSPOT, ActivityType.Direction.SALESFORCE_TO_HUBSPOT),
    ):
        for kind in kinds:
            ActivityType.objects.get_or_create(key=kind.key, defaults={"direction": direction})
    contact_schedule_ensure(minutes=settings.schedule_minutes)
    activity_schedule_ensure(minutes=settings.schedule_minutes)
    reconcile_schedule_ensure()
