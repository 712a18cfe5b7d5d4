"""The factories write rows the way the product does: audit events chained through
``audit_record``, a real activity type's migrated row updated, a mapping appended."""

import pytest
from django.db import IntegrityError

from core.models import AuditEvent
from core.services.audit_verify import chain_verify
from integrations.models import ActivityType, PropertyMapping
from tests.factories import ActivityTypeFactory, AuditEventFactory, PropertyMappingFactory

pytestmark = pytest.mark.django_db


def test_audit_events_from_the_factory_extend_the_chain() -> None:
    events = AuditEventFactory.create_batch(3, object_label="ada@example.com")
    assert all(isinstance(e, AuditEvent) and e.chain_hash for e in events)
    assert chain_verify().ok


def test_a_real_activity_type_is_its_migrated_row_with_the_given_fields() -> None:
    rows = ActivityType.objects.count()
    row = ActivityTypeFactory(key="sf_tasks", enabled=True)
    assert ActivityType.objects.count() == rows
    assert (row.direction, row.enabled) == ("sf_to_hs", True)
    assert ActivityType.objects.get(key="sf_tasks").enabled


def test_a_mapping_goes_after_the_others_and_a_mapped_property_is_refused() -> None:
    last = PropertyMapping.objects.order_by("position").last()
    assert PropertyMappingFactory().position == last.position + 1
    with pytest.raises(IntegrityError):
        PropertyMappingFactory(hubspot_property=last.hubspot_property)
