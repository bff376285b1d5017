"""Serializers of the agent API on correction cases: what an agent reads of a case (its
declaration, history, invitations, decision) and what they send to act on it.

Agents are shown as the caller may see them (agent_public_identity with the caller as viewer):
an agent under an anonymity exception appears by pseudonym to callers outside their structure.
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from bonnefoi.cases.abilities import case_abilities
from bonnefoi.cases.engine import prefill_situation
from bonnefoi.cases.models import (
    Case,
    CaseEvent,
    CaseState,
    Decision,
    Invitation,
    Outcome,
    WebhookEndpoint,
)
from bonnefoi.structures.identification import Channel, agent_public_identity

VERSION_HELP = (
    "Version du dossier lue par l'agent (champ `version`). Si le dossier a changé depuis, "
    "l'action est refusée (409) : relisez-le. Facultatif, mais recommandé."
)


@extend_schema_field(
    {
        "type": "object",
        "nullable": True,
        "description": "Agent tel que l'appelant peut le voir (pseudonyme sous exception d'anonymat).",
        "properties": {
            "name": {"type": "string"},
            "position": {"type": "string"},
            "is_pseudonymous": {"type": "boolean"},
        },
    }
)
class AgentField(serializers.Field):
    def __init__(self, **kwargs):
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def get_attribute(self, instance):
        return getattr(instance, self.source_attrs[0])

    def to_representation(self, agent):
        if agent is None:
            return None
        identity = agent_public_identity(
            agent=agent,
            channel=Channel.COUNTER_BADGE,
            viewer=self.context["request"].user,
            service_label=agent.structure.name,
        )
        return {
            "name": identity.name,
            "position": identity.position,
            "is_pseudonymous": identity.is_pseudonymous,
        }


class _Named(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class _Procedure(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()


class CaseSummarySerializer(serializers.ModelSerializer):
    """A row of the list: no personal data (neither the declaration nor the e-mail)."""

    state_label = serializers.CharField(source="get_state_display", read_only=True)
    structure = _Named(read_only=True)
    procedure = _Procedure(read_only=True)
    assignee = AgentField()
    overdue = serializers.SerializerMethodField(
        help_text="En retard : ouvert depuis plus que l'objectif, ou délai de l'invitation passé."
    )

    class Meta:
        model = Case
        fields = [
            "reference",
            "state",
            "state_label",
            "version",
            "structure",
            "procedure",
            "assignee",
            "overdue",
            "submitted_at",
            "state_changed_at",
            "decided_at",
            "closed_at",
            "updated_at",
        ]

    def get_overdue(self, case) -> bool:
        return bool(getattr(case, "overdue", False))


class EventSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    is_public = serializers.BooleanField(
        read_only=True, help_text="Visible par la personne sur sa page de suivi."
    )
    agent = AgentField()

    class Meta:
        model = CaseEvent
        fields = [
            "id",
            "at",
            "kind",
            "kind_label",
            "is_public",
            "by_person",
            "agent",
            "body",
            "data",
        ]


class InvitationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Invitation
        fields = [
            "id",
            "requested",
            "sent_on",
            "deadline_rule",
            "deadline",
            "deadline_reasons",
            "answered_at",
        ]


class LetterStatusSerializer(serializers.Serializer):
    status = serializers.CharField(help_text="pending (en préparation), ready, failed.")
    rendered_at = serializers.DateTimeField(allow_null=True)


class DecisionSerializer(serializers.ModelSerializer):
    outcome_label = serializers.CharField(source="get_outcome_display", read_only=True)
    agent = AgentField()
    letter = LetterStatusSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Decision
        fields = [
            "outcome",
            "outcome_label",
            "decided_at",
            "agent",
            "engine_applies",
            "rule",
            "follows_engine",
            "deviation_reason",
            "evidence",
            "motivation",
            "sanction_amount_eur",
            "sums_due_eur",
            "situation",
            "engine",
            "letter",
        ]


class DeclarationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Case
        fields = [
            "declared_value",
            "declared_on",
            "correct_value",
            "correct_since",
            "administration_asked",
            "letter_date",
            "letter_deadline",
            "identifier_kind",
            "identifier",
            "contact_email",
            "postal_code",
        ]


class CaseDetailSerializer(CaseSummarySerializer):
    """A case as an agent reads it (each read is written to the audit log)."""

    declaration = serializers.SerializerMethodField()
    frequent_error = serializers.SerializerMethodField()
    events = EventSerializer(many=True, read_only=True)
    invitations = InvitationSerializer(many=True, read_only=True)
    decision = serializers.SerializerMethodField()
    abilities = serializers.SerializerMethodField()
    situation_prefill = serializers.SerializerMethodField(
        help_text="Situation pré-remplie depuis la déclaration, à compléter pour décider."
    )

    class Meta(CaseSummarySerializer.Meta):
        fields = [
            *CaseSummarySerializer.Meta.fields,
            "declaration",
            "frequent_error",
            "events",
            "invitations",
            "decision",
            "abilities",
            "situation_prefill",
        ]

    @extend_schema_field(DeclarationSerializer)
    def get_declaration(self, case):
        return DeclarationSerializer(case).data

    @extend_schema_field(
        {
            "type": "object",
            "properties": {
                "entry": {"type": "string", "nullable": True, "description": "Conseil associé."},
                "other": {"type": "string", "description": "Autre erreur (libellé)."},
            },
        }
    )
    def get_frequent_error(self, case):
        return {
            "entry": case.entry.slug if case.entry_id else None,
            "other": case.other_error_label,
        }

    @extend_schema_field(DecisionSerializer(allow_null=True))
    def get_decision(self, case):
        decision = getattr(case, "decision", None)
        if decision is None:
            return None
        return DecisionSerializer(decision, context=self.context).data

    @extend_schema_field({"type": "object", "additionalProperties": {"type": "boolean"}})
    def get_abilities(self, case) -> dict[str, bool]:
        return case_abilities(self.context["request"].user, case)

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_situation_prefill(self, case) -> dict:
        return prefill_situation(case)


# --- what agents send -----------------------------------------------------------------------------


class VersionSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, help_text=VERSION_HELP
    )


class MessageInputSerializer(VersionSerializer):
    body = serializers.CharField(
        max_length=5000, help_text="Message à la personne (elle le reçoit par courriel)."
    )


class InvitationInputSerializer(VersionSerializer):
    requested = serializers.CharField(
        max_length=5000, help_text="Ce que la personne doit faire pour régulariser."
    )
    rule = serializers.RegexField(
        r"^P[1-9][0-9]{0,3}[DM]$",
        required=False,
        allow_blank=True,
        help_text="Délai : P30D (30 jours), P1M (un mois)… Par défaut, le réglage "
        "CASE_INVITATION_DEFAULT_RULE. L'échéance est calculée par le calendrier (jours "
        "fériés de la structure) et écrite dans le message.",
        error_messages={"invalid": "Délai attendu sous la forme P30D ou P1M."},
    )


class DecisionInputSerializer(VersionSerializer):
    outcome = serializers.ChoiceField(
        choices=Outcome.choices,
        help_text="granted (droit à l'erreur accordé), not_applicable, bad_faith, fraud.",
    )
    situation = serializers.JSONField(
        help_text="Situation soumise au moteur du droit à l'erreur (voir `situation_prefill` du "
        "dossier et le schéma de /api/v1/right-to-error/evaluate)."
    )
    motivation = serializers.CharField(
        max_length=10000, help_text="Motivation : elle figure dans le courrier de décision."
    )
    deviation_reason = serializers.CharField(
        max_length=5000,
        required=False,
        allow_blank=True,
        default="",
        help_text="Obligatoire si la décision diffère de l'avis du moteur.",
    )
    evidence = serializers.CharField(
        max_length=10000,
        required=False,
        allow_blank=True,
        default="",
        help_text="Obligatoire pour la mauvaise foi ou la fraude : les éléments de preuve "
        "(la preuve incombe à l'administration).",
    )
    sanction_amount_eur = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, required=False, allow_null=True
    )
    sums_due_eur = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, required=False, allow_null=True
    )

    def validate_situation(self, value):
        if not isinstance(value, dict):
            raise serializers.ValidationError("La situation doit être un objet JSON.")
        return value


class CaseFilterSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=CaseState.choices, required=False)
    structure = serializers.IntegerField(required=False, min_value=1)
    updated_since = serializers.DateTimeField(required=False)


class ActionResultSerializer(serializers.Serializer):
    """The case after an action (to keep its new version for the next one)."""

    case = CaseSummarySerializer()


class MessageResultSerializer(ActionResultSerializer):
    event = EventSerializer()


class InvitationResultSerializer(ActionResultSerializer):
    invitation = InvitationSerializer()


class DecisionResultSerializer(ActionResultSerializer):
    decision = DecisionSerializer()


# --- webhook endpoints (administrators: webhook.manage) -------------------------------------------


class WebhookEndpointSerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookEndpoint
        fields = ["id", "structure", "url", "is_active", "created_at"]
        read_only_fields = ["id", "created_at"]
        extra_kwargs = {
            "structure": {
                "help_text": "Structure dont les dossiers (et ceux des structures rattachées) "
                "sont notifiés ; vous devez pouvoir gérer ses webhooks."
            },
            "url": {"help_text": "Adresse en https:// du système qui reçoit les notifications."},
        }


class WebhookEndpointCreatedSerializer(WebhookEndpointSerializer):
    secret = serializers.CharField(
        read_only=True,
        help_text="Clé de signature (HMAC-SHA256), affichée seulement à la création.",
    )

    class Meta(WebhookEndpointSerializer.Meta):
        fields = [*WebhookEndpointSerializer.Meta.fields, "secret"]
