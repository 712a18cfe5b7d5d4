from integrations.models.activities import (
    ActivityLink,
    ActivityType,
    OwnerMapping,
    SkippedActivity,
    WaitingActivity,
)
from integrations.models.connections import HubSpotConnection, SalesforceConnection, SecretField
from integrations.models.contacts import (
    ContactCreateIntent,
    ContactLink,
    ContactSyncSettings,
    PropertyMapping,
    RecordError,
    SalesforcePerson,
    SyncCursor,
)
from integrations.models.limits import ApiUsageDay, RateLimitBucket, RateLimitCall
from integrations.models.reconcile import ReconcileFinding, ReconcileSettings, ReconcileSnapshot
from integrations.models.salesforce_cache import SalesforceDescribe, SalesforceSession

__all__ = [
    "ActivityLink",
    "ActivityType",
    "OwnerMapping",
    "SkippedActivity",
    "WaitingActivity",
    "ApiUsageDay",
    "ContactCreateIntent",
    "ContactLink",
    "ContactSyncSettings",
    "HubSpotConnection",
    "PropertyMapping",
    "RateLimitBucket",
    "RateLimitCall",
    "ReconcileFinding",
    "ReconcileSettings",
    "ReconcileSnapshot",
    "RecordError",
    "SalesforceConnection",
    "SalesforceDescribe",
    "SalesforcePerson",
    "SalesforceSession",
    "SecretField",
    "SyncCursor",
]
