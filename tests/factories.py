from __future__ import annotations

import factory
from django.contrib.auth import get_user_model

from core.models import SyncJob
from core.roles import role_group

PASSWORD = "correct horse battery staple"


def make_user(username: str, role: str):
    user = get_user_model().objects.create_user(username=username, password=PASSWORD)
    user.groups.add(role_group(role))
    return user


class SyncJobFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SyncJob

    kind = "test.count"
    scope = factory.Sequence(lambda n: f"test:{n}")
    trigger = SyncJob.Trigger.MANUAL
