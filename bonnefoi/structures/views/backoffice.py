"""Back office: the agent's home, the agents of their subtree, their public identification."""

from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_safe

from bonnefoi.accounts.models import Role
from bonnefoi.structures.abilities import agent_abilities, structure_abilities
from bonnefoi.structures.identification import (
    LEGAL_REFERENCES,
    Channel,
    agent_public_identity,
    structure_public_label,
)
from bonnefoi.structures.models import Agent, AnonymityException
from bonnefoi.structures.selectors import agents_visible_to, user_memberships
from bonnefoi.structures.services import agent_record_access, agents_record_listing

AGENTS_PER_PAGE = 50


def _in_force_exceptions():
    return Prefetch(
        "anonymity_exceptions",
        queryset=AnonymityException.objects.in_force(timezone.localdate()),
    )


@require_safe
def home(request):
    memberships = user_memberships(request.user)
    agent = Agent.objects.filter(user=request.user).select_related("structure").first()
    roles = [
        {
            "membership": membership,
            "label": Role(membership.role).label,
            "abilities": structure_abilities(request.user, membership.structure),
        }
        for membership in memberships
    ]
    return render(
        request,
        "structures/backoffice/home.html",
        {
            "title": "Espace agent",
            "agent": agent,
            "agent_service": structure_public_label(agent.structure) if agent else "",
            "roles": roles,
        },
    )


@require_safe
def agent_list(request):
    agents = agents_visible_to(request.user).prefetch_related(_in_force_exceptions())
    page = Paginator(agents, AGENTS_PER_PAGE).get_page(request.GET.get("page"))
    rows = [
        {
            "agent": agent,
            "identity": agent_public_identity(
                agent=agent,
                channel=Channel.COUNTER_BADGE,
                viewer=request.user,
                service_label=agent.structure.name,
            ),
        }
        for agent in page.object_list
    ]
    agents_record_listing(
        actor=request.user,
        structure_ids=[row["agent"].structure_id for row in rows],
        channel="backoffice",
    )
    return render(
        request,
        "structures/backoffice/agent_list.html",
        {"title": "Agents de mon périmètre", "page": page, "rows": rows},
    )


@require_safe
def agent_detail(request, pk: int):
    agent = get_object_or_404(
        agents_visible_to(request.user).prefetch_related(_in_force_exceptions()), pk=pk
    )
    abilities = agent_abilities(request.user, agent)
    agent_record_access(actor=request.user, agent=agent, channel="backoffice")
    identities = [
        (Channel(channel).label, agent_public_identity(agent=agent, channel=channel))
        for channel in Channel.values
    ]
    exceptions = (
        agent.anonymity_exceptions.select_related("approved_by").order_by("-valid_from")
        if abilities["view_anonymity"]
        else []
    )
    backoffice_identity = agent_public_identity(
        agent=agent, channel=Channel.COUNTER_BADGE, viewer=request.user
    )
    return render(
        request,
        "structures/backoffice/agent_detail.html",
        {
            "title": backoffice_identity.name,
            "agent": agent,
            "abilities": abilities,
            "backoffice_identity": backoffice_identity,
            "identities": identities,
            "exceptions": exceptions,
        },
    )


@require_safe
def my_identification(request):
    agent = get_object_or_404(
        Agent.objects.select_related("structure").prefetch_related(_in_force_exceptions()),
        user=request.user,
    )
    identities = [
        (Channel(channel).label, agent_public_identity(agent=agent, channel=channel))
        for channel in Channel.values
    ]
    return render(
        request,
        "structures/backoffice/my_identification.html",
        {
            "title": "Mon identification auprès du public",
            "agent": agent,
            "identities": identities,
            "legal_references": LEGAL_REFERENCES,
        },
    )
