"""The record's subjects: actors and their aliases, incidents, tags, claims."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from claims.models.common import DatePrecision, TimeStamped
from claims.models.teams import Team
from claims.normalize import normalize_name

# --- actors ---------------------------------------------------------------------


class Actor(TimeStamped):
    """Anyone who holds a position or is alleged to have acted."""

    class Kind(models.TextChoices):
        STATE = "state", "state"
        GOVERNMENT = "government", "government or armed force"
        ARMED_GROUP = "armed_group", "armed group"
        ORGANISATION = "organisation", "international organisation or body"
        PERSON = "person", "person"
        MEDIA = "media", "media outlet"
        NGO = "ngo", "NGO"

    kind = models.CharField(max_length=16, choices=Kind.choices, db_index=True)
    name = models.CharField("canonical name", max_length=200, unique=True)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        help_text="The actor this one belongs to or speaks for: Syrian Arab Air Force → Syrian government; "
        "Churkin → Russia; Jabhat al-Nusra → al-Qaida.",
    )
    description = models.TextField(blank=True)
    name_valid_from = models.DateField(null=True, blank=True)
    name_valid_to = models.DateField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(name_valid_to__isnull=True)
                | Q(name_valid_from__isnull=True)
                | Q(name_valid_to__gte=models.F("name_valid_from")),
                name="actor_name_validity_ordered",
            ),
            models.CheckConstraint(condition=~Q(parent=models.F("id")), name="actor_not_own_parent"),
        ]

    def __str__(self) -> str:
        return self.name


class ActorAlias(TimeStamped):
    """Another name for an actor: "Damascus" for the Syrian government, a
    transliteration (Julani, Golani), a former name, an acronym."""

    class Kind(models.TextChoices):
        ALIAS = "alias", "alias"
        ACRONYM = "acronym", "acronym"
        TRANSLITERATION = "transliteration", "transliteration"
        FORMER_NAME = "former", "former name"
        METONYM = "metonym", "metonym (a capital or seat standing for the actor)"

    actor = models.ForeignKey(Actor, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(max_length=200)
    normalized = models.CharField(max_length=200, db_index=True, editable=False)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.ALIAS)
    # "Damascus" denies (the government) vs capturing Damascus (the city): the
    # matcher counts such an alias only where it is used as a speaker or agent.
    ambiguous = models.BooleanField(
        default=False, help_text="Also names something else (a city, a common word): count it only as a speaker."
    )
    language = models.CharField(max_length=16, blank=True)
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "actor aliases"
        ordering = ["actor__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["actor", "normalized"], name="alias_unique_per_actor"),
            models.CheckConstraint(condition=~Q(normalized=""), name="alias_not_blank"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_to__gte=models.F("valid_from")),
                name="alias_validity_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        # Model forms (the admin inline) call clean(); services set it directly.
        self.normalized = normalize_name(self.name)


# --- incidents, claims -------------------------------------------------------------


class Incident(TimeStamped):
    """Something that happened, at a place and a time, known to some precision."""

    class Agent(models.TextChoices):
        CHLORINE = "chlorine", "chlorine"
        SARIN = "sarin", "sarin"
        SULFUR_MUSTARD = "sulfur_mustard", "sulfur mustard"
        VX = "vx", "VX"
        OTHER_CHEMICAL = "other_chemical", "other or unidentified chemical"
        CONVENTIONAL = "conventional", "conventional weapons"

    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    place_name = models.CharField(max_length=200, blank=True)
    latitude = models.DecimalField(max_digits=8, decimal_places=5, null=True, blank=True)
    longitude = models.DecimalField(max_digits=8, decimal_places=5, null=True, blank=True)
    date_start = models.DateField(null=True, blank=True)
    date_end = models.DateField(null=True, blank=True, help_text="For a range; empty for a single date.")
    date_precision = models.CharField(max_length=8, choices=DatePrecision.choices, default=DatePrecision.DAY)
    agent = models.CharField(max_length=20, choices=Agent.choices, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-date_start", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
                name="incident_latitude_range",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="incident_longitude_range",
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__isnull=False, longitude__isnull=False),
                name="incident_coordinates_paired",
            ),
            models.CheckConstraint(
                condition=Q(date_end__isnull=True) | Q(date_start__isnull=False, date_end__gte=models.F("date_start")),
                name="incident_date_range_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Tag(models.Model):
    name = models.CharField(max_length=100, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Claim(TimeStamped):
    """A proposition whose truth is contested: who did it, or whether it happened."""

    class Kind(models.TextChoices):
        ATTRIBUTION = "attribution", "attribution (who did it)"
        EVENT = "event", "event (did it happen)"
        STATEMENT = "statement", "statement (someone said so)"
        OTHER = "other", "other"

    class Status(models.TextChoices):
        DRAFT = "draft", "draft"
        PUBLISHED = "published", "published"

    title = models.CharField(max_length=300)
    text = models.TextField("proposition", help_text="The claim as one plain sentence.")
    kind = models.CharField(max_length=16, choices=Kind.choices, db_index=True)
    alleged_perpetrator = models.ForeignKey(
        Actor, on_delete=models.PROTECT, null=True, blank=True, related_name="alleged_claims"
    )
    incidents = models.ManyToManyField(Incident, blank=True, related_name="claims")
    scope_start = models.DateField("time scope from", null=True, blank=True)
    scope_end = models.DateField("time scope to", null=True, blank=True)
    scope_precision = models.CharField(max_length=8, choices=DatePrecision.choices, default=DatePrecision.MONTH)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT, db_index=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="claims")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, null=True, blank=True, related_name="claims")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    history = HistoricalRecords(m2m_fields=[incidents, tags])

    class Meta:
        ordering = ["title"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="attribution") | Q(alleged_perpetrator__isnull=False),
                name="claim_attribution_names_perpetrator",
            ),
            models.CheckConstraint(
                condition=Q(scope_end__isnull=True)
                | Q(scope_start__isnull=False, scope_end__gte=models.F("scope_start")),
                name="claim_scope_ordered",
            ),
            models.CheckConstraint(condition=~Q(text=""), name="claim_text_not_blank"),
        ]

    def __str__(self) -> str:
        return self.title
