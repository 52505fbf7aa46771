"""What the API shows and accepts. Read serializers name their fields; write
serializers accept only what a caller may set: team, author, status and review
fields are the server's, so sending them has no effect."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from claims.api.permissions import request_access
from claims.ingest.language import not_matched_note
from claims.models import (
    Actor,
    ActorAlias,
    Claim,
    DatePrecision,
    Evidence,
    Flag,
    Incident,
    Position,
    Report,
    Source,
    Stance,
    StanceSuggestion,
)
from claims.selectors import claims_visible_to, reports_visible_to


class _LimitedToVisible:
    """Related claims and reports a caller can name are the ones it can see:
    naming another team's draft claim reads as "does not exist"."""

    fields: Any
    context: dict[str, Any]

    def _limit_to_visible(self) -> None:
        request = self.context.get("request")
        if request is None:
            return
        access = request_access(request)
        if "claim" in self.fields:
            self.fields["claim"].queryset = claims_visible_to(access)
        if "report" in self.fields:
            self.fields["report"].queryset = reports_visible_to(access)


class ActorRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Actor
        fields = ["id", "name", "kind"]


class AliasSerializer(serializers.ModelSerializer):
    class Meta:
        model = ActorAlias
        fields = ["name", "kind", "language", "ambiguous", "valid_from", "valid_to"]


class ActorSerializer(serializers.ModelSerializer):
    aliases = AliasSerializer(many=True, read_only=True, source="alias_list")  # see selectors.actor_list

    class Meta:
        model = Actor
        fields = [
            "id",
            "name",
            "kind",
            "parent",
            "description",
            "name_valid_from",
            "name_valid_to",
            "aliases",
            "created_at",
            "updated_at",
        ]


class IncidentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Incident
        fields = [
            "id",
            "title",
            "description",
            "place_name",
            "latitude",
            "longitude",
            "date_start",
            "date_end",
            "date_precision",
            "agent",
            "created_at",
            "updated_at",
        ]


class SourceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Source
        fields = ["id", "name", "kind", "actor", "url", "created_at", "updated_at"]


STANCE_WRITABLE = [
    "claim",
    "actor",
    "speaker",
    "speaker_description",
    "position",
    "stated_on",
    "stated_precision",
    "quote",
    "quote_kind",
    "report",
    "confidence",
    "confidence_wording",
    "note",
]


class StanceSerializer(serializers.ModelSerializer):
    actor = ActorRefSerializer(read_only=True)
    speaker = ActorRefSerializer(read_only=True, allow_null=True)
    source = serializers.SerializerMethodField()  # type: ignore[assignment]  # a field named like Field.source

    class Meta:
        model = Stance
        fields = ["id", *STANCE_WRITABLE, "source", "review_status", "created_at", "updated_at"]

    @extend_schema_field({"type": "string", "nullable": True, "example": "AFP"})
    def get_source(self, stance: Stance) -> str | None:
        # The report's source as the caller is shown it (selectors.stances_for_display).
        return stance.shown_source  # type: ignore[attr-defined]


class StanceWriteSerializer(_LimitedToVisible, serializers.ModelSerializer):
    """A team's stance, recorded for researcher review."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._limit_to_visible()

    class Meta:
        model = Stance
        fields = STANCE_WRITABLE


class EvidenceSerializer(serializers.ModelSerializer):
    file_url = serializers.SerializerMethodField()

    class Meta:
        model = Evidence
        fields = [
            "id",
            "claim",
            "kind",
            "relation",
            "description",
            "report",
            "url",
            "file_url",
            "file_sha256",
            "review_status",
            "created_at",
            "updated_at",
        ]

    @extend_schema_field({"type": "string", "nullable": True})
    def get_file_url(self, evidence: Evidence) -> str | None:
        if not evidence.file:
            return None
        path = reverse("api:evidence-file", kwargs={"pk": evidence.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class EvidenceWriteSerializer(_LimitedToVisible, serializers.ModelSerializer):
    file = serializers.FileField(required=False, allow_empty_file=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._limit_to_visible()

    class Meta:
        model = Evidence
        fields = ["claim", "kind", "relation", "description", "report", "url", "file"]

    def validate_file(self, file: Any) -> Any:
        if file is not None and file.size > settings.MAX_UPLOAD_BYTES:
            raise serializers.ValidationError(f"The file is larger than {settings.MAX_UPLOAD_BYTES} bytes.")
        return file


class PositionCountsField(serializers.DictField):
    child = serializers.IntegerField()


@extend_schema_field({"type": "array", "items": {"type": "string"}, "readOnly": True})
class TagNamesField(serializers.Field):
    """Tag names, from a prefetched list of tags."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value: Any) -> list[str]:
        return [tag.name for tag in value]


@extend_schema_field({"type": "array", "items": {"type": "integer"}, "readOnly": True})
class IdsField(serializers.Field):
    """Ids, from a prefetched list of rows."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value: Any) -> list[int]:
        return [row.pk for row in value]


class ClaimSerializer(serializers.ModelSerializer):
    alleged_perpetrator = ActorRefSerializer(read_only=True, allow_null=True)
    # Read from the lists the view prefetches: plain lists, not a related
    # manager per claim and field.
    tags: serializers.Field = TagNamesField(source="tag_list")
    incidents: serializers.Field = IdsField(source="incident_list")

    class Meta:
        model = Claim
        fields = [
            "id",
            "title",
            "text",
            "kind",
            "status",
            "alleged_perpetrator",
            "incidents",
            "scope_start",
            "scope_end",
            "scope_precision",
            "tags",
            "created_at",
            "updated_at",
        ]


class ClaimDetailSerializer(ClaimSerializer):
    """A claim with its visible stances and evidence, and its incidents."""

    incidents = IncidentSerializer(many=True, read_only=True, source="incident_list")
    stances = StanceSerializer(many=True, read_only=True, source="visible_stances")
    evidence = EvidenceSerializer(many=True, read_only=True, source="visible_evidence")

    class Meta(ClaimSerializer.Meta):
        fields = [*ClaimSerializer.Meta.fields, "stances", "evidence"]


class ReportSerializer(serializers.ModelSerializer):
    """A report as the caller is shown it (``selectors.reports_for_display``):
    a report the caller's team reached through its own submission of the text
    shows what that submission sent, and times no earlier than it."""

    title = serializers.CharField(source="shown_title", read_only=True)
    url = serializers.CharField(source="shown_url", read_only=True)
    document_symbol = serializers.CharField(source="shown_document_symbol", read_only=True)
    source = serializers.IntegerField(  # type: ignore[assignment]  # a field named like Field.source
        source="shown_source_id", read_only=True, allow_null=True, help_text="The source's id."
    )
    published_on = serializers.DateField(source="shown_published_on", read_only=True, allow_null=True)
    published_precision = serializers.ChoiceField(
        choices=DatePrecision.choices, source="shown_published_precision", read_only=True
    )
    processed_at = serializers.DateTimeField(source="shown_processed_at", read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(source="shown_created_at", read_only=True)
    updated_at = serializers.DateTimeField(source="shown_updated_at", read_only=True)

    class Meta:
        model = Report
        fields = [
            "id",
            "title",
            "url",
            "document_symbol",
            "source",
            "published_on",
            "published_precision",
            "language",
            "status",
            "last_error",
            "processed_at",
            "matcher_version",
            "created_at",
            "updated_at",
        ]


class ReportDetailSerializer(ReportSerializer):
    class Meta(ReportSerializer.Meta):
        fields = [*ReportSerializer.Meta.fields, "text"]


class ReportSubmitSerializer(serializers.Serializer):
    """Exactly one of text, file or url."""

    title = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    text = serializers.CharField(required=False, allow_blank=False, trim_whitespace=False)
    file = serializers.FileField(required=False, allow_empty_file=False)
    url = serializers.URLField(required=False, max_length=2000)
    source = serializers.PrimaryKeyRelatedField(  # type: ignore[assignment]
        queryset=Source.objects.all(), required=False, allow_null=True
    )
    published_on = serializers.DateField(required=False, allow_null=True)

    def validate_file(self, file: Any) -> Any:
        if file.size > settings.MAX_UPLOAD_BYTES:
            raise serializers.ValidationError(f"The file is larger than {settings.MAX_UPLOAD_BYTES} bytes.")
        return file

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        given = [name for name in ("text", "file", "url") if attrs.get(name)]
        if len(given) != 1:
            raise serializers.ValidationError({"non_field_errors": ["Give exactly one of text, file or url."]})
        return attrs


def _matching(report: Report) -> str:
    """What will happen to a submitted report, said to its submitter."""
    flags = f"/api/v1/flags/?report={report.pk}"
    if report.status == Report.Status.UNSUPPORTED_LANGUAGE:
        return not_matched_note(report.language)
    if report.status == Report.Status.CITED:
        return "Cited only (no text): not matched."
    if report.status == Report.Status.FAILED:
        return "Matching failed (see last_error); a researcher can retry it."
    if report.status == Report.Status.PROCESSED:
        return f"Matched: its flags are at {flags}."
    return f"Matching runs in the background: follow its flags at {flags}."


class SubmittedReportSerializer(ReportSerializer):
    matching = serializers.SerializerMethodField(help_text="What will happen to it: matched, or why not.")

    class Meta(ReportSerializer.Meta):
        fields = [*ReportSerializer.Meta.fields, "matching"]

    def get_matching(self, report: Report) -> str:
        return _matching(report)


class SubmissionSerializer(serializers.Serializer):
    """What a report submission became."""

    id = serializers.IntegerField()
    status = serializers.CharField()
    error = serializers.CharField()
    created_at = serializers.DateTimeField()
    reports = SubmittedReportSerializer(many=True)


class SuggestionSerializer(serializers.ModelSerializer):
    """A stance the suggester proposes from the flag's passages: not part of
    the record until a person accepts it (``POST /suggestions/<id>/accept/``)."""

    actor_name = serializers.CharField(source="actor.name", read_only=True, allow_null=True, default=None)
    position_label = serializers.CharField(source="get_position_display", read_only=True)

    class Meta:
        model = StanceSuggestion
        fields = [
            "id",
            "flag",
            "actor",
            "actor_name",
            "speaker",
            "speaker_text",
            "position",
            "position_label",
            "quote",
            "quote_start",
            "quote_end",
            "quote_verbatim",
            "stated_on",
            "stated_precision",
            "confidence_wording",
            "score",
            "rule",
            "suggester_version",
            "status",
            "reject_reason",
            "resulting_stance",
        ]
        read_only_fields = fields


class SuggestionAcceptSerializer(serializers.Serializer):
    """Corrections to the suggestion before it is recorded; all optional."""

    actor = serializers.PrimaryKeyRelatedField(queryset=Actor.objects.all(), required=False)
    position = serializers.ChoiceField(choices=Position.choices, required=False)
    quote = serializers.CharField(required=False, allow_blank=True)
    stated_on = serializers.DateField(required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True)


class SuggestionRejectSerializer(serializers.Serializer):
    reason = serializers.CharField(help_text="Why the suggestion is wrong; kept to improve the suggester.")


class FlagSerializer(serializers.ModelSerializer):
    """A flag as the caller is shown it (``selectors.flags_for_display``): no
    time earlier than the caller's team reached the report, with the stances
    suggested from its passages."""

    suggestions = SuggestionSerializer(many=True, read_only=True)
    reviewed_at = serializers.DateTimeField(source="shown_reviewed_at", read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(source="shown_created_at", read_only=True)
    updated_at = serializers.DateTimeField(source="shown_updated_at", read_only=True)

    class Meta:
        model = Flag
        fields = [
            "id",
            "report",
            "claim",
            "score",
            "tier",
            "passages",
            "matched_actors",
            "matched_terms",
            "matcher_version",
            "status",
            "reviewed_at",
            "evidence",
            "suggestions",
            "created_at",
            "updated_at",
        ]


class FlagReviewSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=[Flag.Status.ACCEPTED, Flag.Status.REJECTED])


class MatrixEntrySerializer(serializers.Serializer):
    position = serializers.ChoiceField(choices=Position.choices)
    stated_on = serializers.DateField(allow_null=True)
    stance = serializers.IntegerField()
    quote = serializers.CharField()
    source = serializers.CharField(allow_null=True)  # type: ignore[assignment]


class MatrixActorSerializer(serializers.Serializer):
    actor = ActorRefSerializer()
    position = serializers.ChoiceField(choices=Position.choices, help_text="The latest accepted position.")
    since = serializers.DateField(allow_null=True, help_text="Held since this date (first stance of the run).")
    history = MatrixEntrySerializer(many=True, help_text="Every accepted stance, oldest first.")


class MatrixClaimSerializer(serializers.Serializer):
    claim = serializers.IntegerField()
    title = serializers.CharField()
    actors = MatrixActorSerializer(many=True)


class TombstoneSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=["claim", "stance", "evidence", "flag", "actor", "incident", "source"])
    id = serializers.IntegerField()
    deleted_at = serializers.DateTimeField()
