from __future__ import annotations

import factory
from django.contrib.auth import get_user_model
from django.db.models import Max

from core.models import SyncJob
from core.roles import role_group
from integrations.models import PropertyMapping
from integrations.rules.activity_types import SALESFORCE_BY_KEY

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


class ContactLinkFactory(factory.django.DjangoModelFactory):
    """A HubSpot contact linked to a Salesforce Lead (ids and email unique per row)."""

    class Meta:
        model = "integrations.ContactLink"

    hubspot_id = factory.Sequence(lambda n: str(9000 + n))
    salesforce_id = factory.Sequence(lambda n: f"00Q{n:012d}AAA")
    salesforce_type = "Lead"
    email = factory.Sequence(lambda n: f"linked{n}@example.com")


class RecordErrorFactory(factory.django.DjangoModelFactory):
    """An open validation error on a contact; ``record_key`` follows ``hubspot_id``."""

    class Meta:
        model = "integrations.RecordError"

    hubspot_id = factory.Sequence(lambda n: str(8000 + n))
    record_key = factory.LazyAttribute(lambda e: f"hs:{e.hubspot_id}")
    category = "validation"
    message = "FIELD_CUSTOM_VALIDATION_EXCEPTION: bad value"


class PropertyMappingFactory(factory.django.DjangoModelFactory):
    """A new mapping, saved after the others as the Mappings page adds one (``build()``
    reads no database). The default mappings exist after migrate: a property that
    already has one is refused by the database (change that row instead), never
    silently kept as it was."""

    class Meta:
        model = "integrations.PropertyMapping"

    hubspot_property = factory.Sequence(lambda n: f"custom_{n}")
    salesforce_field = factory.Sequence(lambda n: f"Custom_{n}__c")
    rule = "two_way"
    position = None  # saved: after the last one

    @classmethod
    def _create(cls, model_class, *args, **fields):
        if fields.get("position") is None:
            last = PropertyMapping.objects.aggregate(last=Max("position"))["last"]
            fields["position"] = 0 if last is None else last + 1
        return super()._create(model_class, *args, **fields)


def _direction_of(key: str) -> str:
    return "sf_to_hs" if key in SALESFORCE_BY_KEY else "hs_to_sf"


class ActivityTypeFactory(factory.django.DjangoModelFactory):
    """The toggle row of ``key``, off unless ``enabled=True``. Every real type has its row
    after migrate, so the row is updated to the given fields (a get-or-create would hand
    back the stored row and drop them); a made-up key gets a new row."""

    class Meta:
        model = "integrations.ActivityType"

    key = factory.Sequence(lambda n: f"type_{n}")
    direction = factory.LazyAttribute(lambda row: _direction_of(row.key))
    enabled = False

    @classmethod
    def _create(cls, model_class, *args, **fields):
        key = fields.pop("key")
        row, _ = model_class.objects.update_or_create(key=key, defaults=fields)
        return row


class ActivityLinkFactory(factory.django.DjangoModelFactory):
    """A note synced to a Salesforce task."""

    class Meta:
        model = "integrations.ActivityLink"

    source = "hubspot"
    type_key = "note_created"
    source_key = factory.Sequence(lambda n: f"notes:{7000 + n}")
    salesforce_id = factory.Sequence(lambda n: f"00T{n:012d}AAA")


class AuditEventFactory(factory.Factory):
    """An audit event written the way the product writes one: chained, through
    ``audit_record`` (a plain INSERT would break the tamper-evident chain)."""

    class Meta:
        model = dict

    action = "record.updated"
    object_type = "contact"

    @classmethod
    def _create(cls, model_class, *args, **fields):
        from core.services.audit import audit_record

        return audit_record(**fields)
