from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "syncadmin core"

    def ready(self) -> None:
        from core.job_kinds import load_job_kind_modules

        load_job_kind_modules()
        post_migrate.connect(_ensure_schedules, sender=self)


def _ensure_schedules(**kwargs: object) -> None:
    """After every migrate (and every flush): the job watch's schedule exists, once."""
    from core.services.jobs import job_watch_schedule_ensure

    job_watch_schedule_ensure()
