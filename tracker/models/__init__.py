"""SQLModel tables, one module per aggregate. Data, not workflows."""

from .audit import AuditEvent
from .base import UTCDateTime, utcnow
from .deadline import Deadline, DeadlineExtension, DeadlineWatcher, Holiday, Reminder
from .demand import Demand, DemandItem, Response, ResponseItem
from .discrepancy import Analysis, Figure
from .dossier import Dossier
from .evidence import CorrespondenceAttachment, Evidence, EvidenceLink, IntegrityCheck
from .jobs import PeriodicRun, WorkerProcess
from .matter import Matter, Party
from .record import Correspondence, Fact
from .user import Membership, User

__all__ = [
    "Analysis",
    "AuditEvent",
    "Correspondence",
    "CorrespondenceAttachment",
    "Deadline",
    "DeadlineExtension",
    "DeadlineWatcher",
    "Demand",
    "Dossier",
    "Holiday",
    "Reminder",
    "Evidence",
    "EvidenceLink",
    "IntegrityCheck",
    "DemandItem",
    "Fact",
    "Figure",
    "Matter",
    "Membership",
    "Party",
    "PeriodicRun",
    "Response",
    "ResponseItem",
    "UTCDateTime",
    "User",
    "WorkerProcess",
    "utcnow",
]
