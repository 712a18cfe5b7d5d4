from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "syncadmin core"

    def ready(self) -> None:
        from core.job_kinds import load_job_kind_modules

        load_job_kind_modules()
