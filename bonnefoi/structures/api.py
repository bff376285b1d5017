"""Agent-facing API: the structures and agents of the caller's subtree, read-only for now."""

from django.contrib.auth.decorators import login_not_required
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.decorators import method_decorator
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.response import Response

from bonnefoi.structures.abilities import agent_abilities, structure_abilities
from bonnefoi.structures.identification import Channel, agent_public_identity
from bonnefoi.structures.models import Agent, AnonymityException, Structure
from bonnefoi.structures.selectors import agents_visible_to, structures_visible_to
from bonnefoi.structures.services import agent_record_access, agents_record_listing

# Session authentication answers 403 (not 401) to an anonymous caller: DRF sends 401 only for
# schemes that define a WWW-Authenticate challenge.
ERRORS = {403: OpenApiResponse(description="Non authentifié, ou droits insuffisants.")}
NOT_FOUND = {404: OpenApiResponse(description="Introuvable ou hors de votre périmètre.")}


class StructureSerializer(serializers.ModelSerializer):
    abilities = serializers.SerializerMethodField()

    class Meta:
        model = Structure
        fields = [
            "id",
            "kind",
            "name",
            "parent",
            "sp_code",
            "street_address",
            "postal_code",
            "city",
            "commune_insee",
            "abilities",
        ]

    def get_abilities(self, obj) -> dict[str, bool]:
        return structure_abilities(self.context["request"].user, obj)


class AgentSerializer(serializers.ModelSerializer):
    display_name = serializers.SerializerMethodField()
    is_pseudonymous = serializers.SerializerMethodField()
    abilities = serializers.SerializerMethodField()

    class Meta:
        model = Agent
        fields = ["id", "structure", "display_name", "position", "is_pseudonymous", "abilities"]

    def _identity(self, obj):
        return agent_public_identity(
            agent=obj,
            channel=Channel.COUNTER_BADGE,
            viewer=self.context["request"].user,
            service_label=obj.structure.name,
        )

    def get_display_name(self, obj) -> str:
        return self._identity(obj).name

    def get_is_pseudonymous(self, obj) -> bool:
        return self._identity(obj).is_pseudonymous

    def get_abilities(self, obj) -> dict[str, bool]:
        return agent_abilities(self.context["request"].user, obj)

    def to_representation(self, instance):
        data = super().to_representation(instance)
        identity = self._identity(instance)
        data["position"] = identity.position
        return data


# LoginRequiredMiddleware would redirect API clients to the HTML login page: the API opts out
# and DRF's IsAuthenticated answers 401/403 in JSON instead.
@method_decorator(login_not_required, name="dispatch")
@extend_schema_view(
    list=extend_schema(responses={200: StructureSerializer(many=True), **ERRORS}),
    retrieve=extend_schema(responses={200: StructureSerializer, **ERRORS, **NOT_FOUND}),
)
class StructureViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = StructureSerializer

    def get_queryset(self):
        return structures_visible_to(self.request.user).order_by("path")


@method_decorator(login_not_required, name="dispatch")
@extend_schema_view(
    list=extend_schema(responses={200: AgentSerializer(many=True), **ERRORS}),
    retrieve=extend_schema(responses={200: AgentSerializer, **ERRORS, **NOT_FOUND}),
)
class AgentViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = AgentSerializer

    def get_queryset(self):
        return agents_visible_to(self.request.user).prefetch_related(
            Prefetch(
                "anonymity_exceptions",
                queryset=AnonymityException.objects.in_force(timezone.localdate()),
            )
        )

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        agents_record_listing(
            actor=request.user,
            structure_ids=[row["structure"] for row in response.data["results"]],
            channel="api",
        )
        return response

    def retrieve(self, request, *args, **kwargs):
        agent = self.get_object()
        agent_record_access(actor=request.user, agent=agent, channel="api")
        return Response(self.get_serializer(agent).data)
