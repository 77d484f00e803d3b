from .agencies import Agency, AgencyKind, Appointment, AppointmentKind, Membership, Role, User
from .audit import AuditEvent
from .calendar import CalendarDay, DeadlinePolicy, DeadlineUnit, HolidayYear
from .deadlines import Deadline
from .documents import Document, DocumentStatus
from .notifications import Notification
from .numbering import NumberSequence
from .outbox import OutboxTask

__all__ = [
    "Agency",
    "AgencyKind",
    "Appointment",
    "AppointmentKind",
    "AuditEvent",
    "CalendarDay",
    "Deadline",
    "DeadlinePolicy",
    "DeadlineUnit",
    "Document",
    "DocumentStatus",
    "HolidayYear",
    "Membership",
    "Notification",
    "NumberSequence",
    "OutboxTask",
    "Role",
    "User",
]
