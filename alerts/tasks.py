"""django-q2 task entry points: they take ids and call services."""

from alerts.services.delivery import delivery_attempt
from alerts.services.evaluation import alerts_tick


def evaluate() -> str:
    """The per-minute schedule (``alerts.services.evaluation.EVALUATION_SCHEDULE``)."""
    result, overdue = alerts_tick()
    return (
        f"{len(result.opened)} incident(s) opened, {len(result.recovered)} recovered, "
        f"{overdue} overdue deliver(ies) handed over"
    )


def deliver(delivery_id: int) -> str:
    delivery = delivery_attempt(delivery_id=int(delivery_id))
    return delivery.status if delivery else "not due"
