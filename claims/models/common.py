"""What the record's models share: date precision, review status, timestamps."""

from __future__ import annotations

from django.db import models

# --- shared vocabularies -------------------------------------------------------


class DatePrecision(models.TextChoices):
    """How much of a stored date is known. The date field holds the first day
    of the known period (the 1st of the month for MONTH, 1 January for YEAR)."""

    DAY = "day", "day"
    MONTH = "month", "month"
    YEAR = "year", "year"
    APPROXIMATE = "approx", "approximate"


class ReviewStatus(models.TextChoices):
    PENDING = "pending", "pending review"
    ACCEPTED = "accepted", "accepted"
    REJECTED = "rejected", "rejected"


class TimeStamped(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        abstract = True
