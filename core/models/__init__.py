from core.models.audit import AuditEvent, AuditPruneWindow
from core.models.jobs import SyncJob
from core.models.retention import AuditRetention

__all__ = ["AuditEvent", "AuditPruneWindow", "AuditRetention", "SyncJob"]
