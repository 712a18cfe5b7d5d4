from django.apps import AppConfig
from django.db.models.signals import post_migrate


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = "Integrations"

    def ready(self) -> None:
        from integrations.sync import (  # noqa: F401  (register the job kinds)
            activity_jobs,
            jobs,
        )

        post_migrate.connect(_ensure_setup, sender=self)


def _ensure_setup(**kwargs: object) -> None:
    """After migrate: the contact sync schedule row exists, with the saved interval."""
    from integrations.models.contacts import ContactSyncSettings
    from integrations.sync.activity_jobs import activity_schedule_ensure
    from integrations.sync.jobs import contact_schedule_ensure

    minutes = ContactSyncSettings.load().schedule_minutes
    contact_schedule_ensure(minutes=minutes)
    activity_schedule_ensure(minutes=minutes)
