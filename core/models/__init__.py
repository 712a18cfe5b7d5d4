from core.models.audit import AuditEvent, AuditPruneWindow
from core.models.audit_chain import AuditChainCheck, AuditChainGap, AuditChainHead
from core.models.job_units import JobNote, JobUnit
from core.models.jobs import SyncJob
from core.models.retention import AuditRetention
from core.models.time_zone import UserTimeZone

__all__ = [
    "AuditChainCheck",
    "AuditChainGap",
    "AuditChainHead",
    "AuditEvent",
    "AuditPruneWindow",
    "AuditRetention",
    "JobNote",
    "JobUnit",
    "SyncJob",
    "UserTimeZone",
]
