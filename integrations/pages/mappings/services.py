"""Editing the property mappings (SPEC §3 "Contact sync mechanics").

A mapping pairs a HubSpot contact property with a Salesforce Lead/Contact field and one
sync rule. Every change is checked against what the two APIs say exists and against the
types on both sides, then audited before -> after. Refusals raise ``SettingRefused`` and
change nothing. New mappings are not retroactive: a resync applies them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import Max

from core.services.audit import audit_settings_change
from integrations.models.contacts import PropertyMapping
from integrations.pages.contacts.services import SettingRefused

#: the objects a HubSpot contact syncs with, in the order the page names them
SALESFORCE_OBJECTS = ("Lead", "Contact")
#: matching is by email: this mapping always exists and always pairs these two
EMAIL_PROPERTY, EMAIL_FIELD = "email", "Email"

#: HubSpot property type -> Salesforce field types that can hold its values both ways
COMPATIBLE_TYPES: dict[str, frozenset[str]] = {
    "string": frozenset({"string", "textarea", "email", "phone", "url", "picklist", "combobox"}),
    "phone_number": frozenset({"phone", "string"}),
    "enumeration": frozenset({"picklist", "multipicklist", "combobox", "string", "textarea"}),
    "number": frozenset({"int", "double", "currency", "percent"}),
    "bool": frozenset({"boolean"}),
    "date": frozenset({"date", "datetime"}),
    "datetime": frozenset({"date", "datetime"}),
}
HUBSPOT_TYPE_LABELS = {
    "string": "text",
    "phone_number": "phone number",
    "enumeration": "choice (enumeration)",
    "number": "number",
    "bool": "yes/no (bool)",
    "date": "date",
    "datetime": "date and time",
}

SNAPSHOT_KEYS = ("hubspot_property", "salesforce_field", "rule")


@dataclass(frozen=True)
class HubSpotProperty:
    name: str
    label: str
    type: str
    field_type: str
    #: HubSpot calculates it or says its value is read-only: nothing can be written to it
    read_only: bool
    #: its values are ids of other HubSpot records (e.g. owners), meaningless in Salesforce
    external_options: bool = False

    @property
    def mappable(self) -> bool:
        return not (self.read_only or self.external_options)

    @property
    def type_label(self) -> str:
        return HUBSPOT_TYPE_LABELS.get(self.type, self.type)


@dataclass(frozen=True)
class SalesforceField:
    name: str
    label: str
    type: str
    #: the objects (of Lead and Contact) that have it, writable
    objects: tuple[str, ...]
    #: on some object it can be set only when the record is created
    create_only: bool = False

    @property
    def on_both(self) -> bool:
        return len(self.objects) == len(SALESFORCE_OBJECTS)

    @property
    def objects_label(self) -> str:
        if self.on_both:
            return "Lead and Contact"
        return f"{self.objects[0]} only"

    @property
    def applies_to(self) -> str:
        """Empty when on both objects; else e.g. "applies to leads only"."""
        if self.on_both:
            return ""
        return f"applies to {self.objects[0].lower()}s only"


@dataclass
class MappingCatalog:
    """What HubSpot and Salesforce say can be mapped, read from their APIs."""

    #: every contact property, read-only ones included (to label existing mappings)
    properties: dict[str, HubSpotProperty]
    #: Lead and Contact fields that are createable or updateable
    fields: dict[str, SalesforceField]

    def addable_properties(self) -> list[HubSpotProperty]:
        """Properties that can be mapped and are not mapped yet, by label."""
        mapped = set(PropertyMapping.objects.values_list("hubspot_property", flat=True))
        return sorted(
            (p for p in self.properties.values() if p.mappable and p.name not in mapped),
            key=lambda p: p.label.lower(),
        )

    def field_choices(self) -> list[SalesforceField]:
        return sorted(self.fields.values(), key=lambda f: f.label.lower())


def mapping_catalog_load(*, hubspot: Any, salesforce: Any) -> MappingCatalog:
    """Read HubSpot's contact properties and the Lead/Contact describes (ApiError if not)."""
    properties = {}
    for spec in hubspot.properties("contacts"):
        name = str(spec.get("name") or "")
        if not name or spec.get("archived"):
            continue
        metadata = spec.get("modificationMetadata") or {}
        properties[name] = HubSpotProperty(
            name=name,
            label=str(spec.get("label") or name),
            type=str(spec.get("type") or ""),
            field_type=str(spec.get("fieldType") or ""),
            read_only=bool(spec.get("calculated") or metadata.get("readOnlyValue")),
            external_options=bool(spec.get("externalOptions")),
        )
    found: dict[str, dict[str, Any]] = {}
    for object_type in SALESFORCE_OBJECTS:
        for spec in salesforce.describe(object_type).get("fields") or []:
            if not (spec.get("createable") or spec.get("updateable")) or spec.get("calculated"):
                continue
            entry = found.setdefault(
                spec["name"],
                {"spec": spec, "objects": [], "create_only": False},
            )
            entry["objects"].append(object_type)
            if not spec.get("updateable"):
                entry["create_only"] = True
    fields = {
        name: SalesforceField(
            name=name,
            label=str(entry["spec"].get("label") or name),
            type=str(entry["spec"].get("type") or ""),
            objects=tuple(entry["objects"]),
            create_only=entry["create_only"],
        )
        for name, entry in found.items()
    }
    return MappingCatalog(properties=properties, fields=fields)


@dataclass
class MappingSaved:
    mapping: PropertyMapping | None
    #: things worth knowing that did not stop the save (e.g. "applies to leads only")
    warnings: list[str] = field(default_factory=list)


def _snapshot(mapping: PropertyMapping | None) -> dict[str, str]:
    if mapping is None:
        return dict.fromkeys(SNAPSHOT_KEYS, "")
    return {
        "hubspot_property": mapping.hubspot_property,
        "salesforce_field": mapping.salesforce_field,
        "rule": PropertyMapping.Rule(mapping.rule).label,
    }


def _audit(
    actor: AbstractBaseUser | None,
    hubspot_property: str,
    before: dict[str, str],
    after: dict[str, str],
) -> None:
    audit_settings_change(
        actor=actor,
        object_type="settings",
        object_label=f"Property mapping: {hubspot_property}",
        before=before,
        after=after,
    )


def _rule_checked(rule: str) -> str:
    if rule not in PropertyMapping.Rule.values:
        choices = ", ".join(f"“{label}”" for label in PropertyMapping.Rule.labels)
        raise SettingRefused(f"Choose one of the sync rules: {choices}. Nothing was changed.")
    return rule


def _property_checked(catalog: MappingCatalog, name: str) -> HubSpotProperty:
    if not name:
        raise SettingRefused("Choose a HubSpot property. Nothing was changed.")
    found = catalog.properties.get(name)
    if found is None:
        raise SettingRefused(
            f"HubSpot has no contact property “{name}”: choose one from the list. "
            "Nothing was changed."
        )
    if found.read_only:
        raise SettingRefused(
            f"HubSpot property “{found.label}” ({name}) is read-only (HubSpot calculates it), "
            "so it cannot be synced. Nothing was changed."
        )
    if found.external_options:
        raise SettingRefused(
            f"HubSpot property “{found.label}” ({name}) holds ids of other HubSpot records "
            "(such as owners), which mean nothing in Salesforce. Owners are matched to "
            "Salesforce users on the Owners page. Nothing was changed."
        )
    return found


def _field_checked(catalog: MappingCatalog, name: str) -> SalesforceField:
    if not name:
        raise SettingRefused("Choose a Salesforce field. Nothing was changed.")
    found = catalog.fields.get(name)
    if found is None:
        raise SettingRefused(
            f"Salesforce has no field “{name}” that syncadmin can write on Lead or Contact: "
            "choose one from the list. Nothing was changed."
        )
    return found


def types_compatible(prop: HubSpotProperty, sf_field: SalesforceField) -> bool:
    return sf_field.type in COMPATIBLE_TYPES.get(prop.type, frozenset())


def _compatibility_checked(prop: HubSpotProperty, sf_field: SalesforceField) -> None:
    if types_compatible(prop, sf_field):
        return
    allowed = sorted(COMPATIBLE_TYPES.get(prop.type, frozenset()))
    hint = (
        f" A {prop.type_label} property can map to Salesforce fields of type {', '.join(allowed)}."
        if allowed
        else " syncadmin cannot sync HubSpot properties of this type."
    )
    raise SettingRefused(
        f"HubSpot property “{prop.label}” is {prop.type_label} and Salesforce field "
        f"“{sf_field.label}” ({sf_field.name}) is {sf_field.type}: their values are not "
        f"compatible.{hint} Nothing was changed."
    )


def _field_free(sf_field: SalesforceField, *, except_id: int | None = None) -> None:
    taken = PropertyMapping.objects.filter(salesforce_field=sf_field.name)
    if except_id is not None:
        taken = taken.exclude(pk=except_id)
    other = taken.first()
    if other is not None:
        raise SettingRefused(
            f"Salesforce field “{sf_field.label}” ({sf_field.name}) is already mapped to "
            f"HubSpot property “{other.hubspot_property}”: each Salesforce field syncs with one "
            "property. Nothing was changed."
        )


def _warnings(sf_field: SalesforceField) -> list[str]:
    warnings = []
    if sf_field.applies_to:
        other = next(o for o in SALESFORCE_OBJECTS if o not in sf_field.objects)
        warnings.append(
            f"“{sf_field.label}” ({sf_field.name}) {sf_field.applies_to}: Salesforce "
            f"{other.lower()}s have no such field, so it is not synced for them."
        )
    if sf_field.create_only:
        warnings.append(
            f"Salesforce lets syncadmin set “{sf_field.label}” only when it creates the record; "
            "later changes from HubSpot are not written to it."
        )
    return warnings


def _locked(mapping_id: int) -> PropertyMapping:
    mapping = PropertyMapping.objects.select_for_update().filter(pk=mapping_id).first()
    if mapping is None:
        raise SettingRefused(
            "That mapping no longer exists (someone else may have deleted it). Nothing was changed."
        )
    return mapping


def mapping_add(
    *,
    actor: AbstractBaseUser | None,
    catalog: MappingCatalog,
    hubspot_property: str,
    salesforce_field: str,
    rule: str,
) -> MappingSaved:
    """A new mapping, at the end of the list. Not retroactive: a resync applies it."""
    hubspot_property, salesforce_field = hubspot_property.strip(), salesforce_field.strip()
    prop = _property_checked(catalog, hubspot_property)
    sf_field = _field_checked(catalog, salesforce_field)
    rule = _rule_checked(rule)
    existing = PropertyMapping.objects.filter(hubspot_property=prop.name).first()
    if existing is not None:
        raise SettingRefused(
            f"HubSpot property “{prop.label}” ({prop.name}) is already mapped to "
            f"{existing.salesforce_field}: change that mapping instead. Nothing was changed."
        )
    _compatibility_checked(prop, sf_field)
    try:
        with transaction.atomic():
            _field_free(sf_field)
            last = PropertyMapping.objects.aggregate(last=Max("position"))["last"]
            mapping = PropertyMapping.objects.create(
                hubspot_property=prop.name,
                salesforce_field=sf_field.name,
                rule=rule,
                position=0 if last is None else last + 1,
            )
            _audit(actor, prop.name, _snapshot(None), _snapshot(mapping))
    except IntegrityError:  # added by someone else meanwhile
        raise SettingRefused(
            f"HubSpot property “{prop.label}” ({prop.name}) is already mapped. Nothing was changed."
        ) from None
    return MappingSaved(mapping, _warnings(sf_field))


@transaction.atomic
def mapping_change(
    *,
    actor: AbstractBaseUser | None,
    mapping_id: int,
    salesforce_field: str,
    rule: str,
    catalog_load: Callable[[], MappingCatalog],
) -> MappingSaved:
    """Change a mapping's Salesforce field and/or rule. The APIs are read (``catalog_load``)
    only when the field changes; a rule change needs neither side."""
    mapping = _locked(mapping_id)
    rule = _rule_checked(rule)
    salesforce_field = salesforce_field.strip() or mapping.salesforce_field
    before = _snapshot(mapping)
    warnings: list[str] = []
    if salesforce_field != mapping.salesforce_field:
        if mapping.hubspot_property == EMAIL_PROPERTY:
            raise SettingRefused(
                "The email property always maps to Salesforce Email: contacts are matched "
                "between HubSpot and Salesforce by email. Nothing was changed."
            )
        catalog = catalog_load()
        sf_field = _field_checked(catalog, salesforce_field)
        prop = catalog.properties.get(mapping.hubspot_property)
        if prop is None:
            raise SettingRefused(
                f"HubSpot no longer has the contact property “{mapping.hubspot_property}”, so "
                "its Salesforce field cannot be checked: delete this mapping instead. "
                "Nothing was changed."
            )
        _compatibility_checked(prop, sf_field)
        _field_free(sf_field, except_id=mapping.pk)
        mapping.salesforce_field = sf_field.name
        warnings = _warnings(sf_field)
    mapping.rule = rule
    mapping.save(update_fields=["salesforce_field", "rule"])
    _audit(actor, mapping.hubspot_property, before, _snapshot(mapping))
    return MappingSaved(mapping, warnings)


def _deletable(mapping: PropertyMapping) -> PropertyMapping:
    if mapping.hubspot_property == EMAIL_PROPERTY:
        raise SettingRefused(
            "The email mapping cannot be deleted: contacts are matched between HubSpot and "
            "Salesforce by email. Nothing was changed."
        )
    return mapping


def mapping_deletable_get(*, mapping_id: int) -> PropertyMapping:
    """The mapping a delete would remove (for its confirmation), or ``SettingRefused``
    saying why it cannot be deleted. Reads only."""
    mapping = PropertyMapping.objects.filter(pk=mapping_id).first()
    if mapping is None:
        raise SettingRefused(
            "That mapping no longer exists (someone else may have deleted it). Nothing was changed."
        )
    return _deletable(mapping)


@transaction.atomic
def mapping_delete(*, actor: AbstractBaseUser | None, mapping_id: int) -> PropertyMapping:
    """Stop syncing a property. Values already written stay on both sides."""
    mapping = _deletable(_locked(mapping_id))
    before = _snapshot(mapping)
    mapping.delete()
    _audit(actor, before["hubspot_property"], before, _snapshot(None))
    return mapping
