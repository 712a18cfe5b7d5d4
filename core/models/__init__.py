from core.models.audit import AuditEvent, AuditPruneWindow
from core.models.jobs import SyncJob

__all__ = ["AuditEvent", "AuditPruneWindow", "SyncJob"]
