from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AlertsConfig(AppConfig):
    name = "alerts"
    verbose_name = "Alerts"

    def ready(self) -> None:
        post_migrate.connect(_ensure_setup, sender=self)


def _ensure_setup(**kwargs: object) -> None:
    """After every migrate (and every flush): the rules row and the evaluation schedule."""
    from alerts.models import AlertRules
    from alerts.services.evaluation import evaluation_schedule_ensure

    AlertRules.load()
    evaluation_schedule_ensure()
