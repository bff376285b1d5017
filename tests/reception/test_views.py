"""Back-office pages: the permission matrix, the audit form (errors keep what was typed), the
corrective-action forms, photo serving, query counts."""

import datetime as dt
import html

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bonnefoi.accounts.models import Role
from bonnefoi.core.models import AuditLogEntry
from bonnefoi.reception.models import ActionStatus, Audit, AuditPhoto, CorrectiveAction
from bonnefoi.reception.photos import clean_photo
from bonnefoi.reception.services import ResultInput, corrective_action_create
from tests.accounts.factories import UserFactory
from tests.reception.factories import jpeg_with_gps, record_audit, upload
from tests.structures.factories import AgentFactory, StructureFactory


def text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def world(tree, member, current):
    """An audit of Nîmes (with a photo and an action owned by an agent of Alès)."""
    quality = member(Role.QUALITY_MANAGER, tree.gard)
    photo = clean_photo(upload(jpeg_with_gps()))
    audit = record_audit(
        actor=quality,
        site=tree.nimes,
        checklist=current,
        toilets=ResultInput("not_met", "Fermées.", [photo]),
    )
    owner = AgentFactory(structure=tree.ales)
    action = corrective_action_create(
        actor=quality,
        audit=audit,
        criterion=current.criteria.get(key="toilets"),
        description="Rouvrir les toilettes.",
        owner=owner,
        due_on=timezone.localdate() + dt.timedelta(days=10),
    )
    return {
        "quality": quality,
        "audit": audit,
        "action": action,
        "owner": owner,
        "photo": AuditPhoto.objects.get(),
    }


def _urls(tree, world):
    return {
        "site_list": reverse("reception:site_list"),
        "site_detail": reverse("reception:site_detail", args=[tree.nimes.pk]),
        "audit_new": reverse("reception:audit_new", args=[tree.nimes.pk]),
        "audit_detail": reverse("reception:audit_detail", args=[world["audit"].pk]),
        "photo": reverse("reception:photo", args=[world["photo"].pk]),
        "action": reverse("reception:action_update", args=[world["action"].pk]),
        "checklist": reverse("reception:checklist_detail", args=[2]),
    }


# who: (role, structure attribute of the tree) or a keyword
MATRIX = {
    # agents of the site read everything of their site, record nothing
    "agent_of_site": {
        "site_list": 302,
        "site_detail": 200,
        "audit_new": 403,
        "audit_detail": 200,
        "photo": 200,
        "action": 200,
        "checklist": 200,
    },
    "editor_of_admin": {
        "site_list": 200,
        "site_detail": 200,
        "audit_new": 403,
        "audit_detail": 200,
        "photo": 200,
        "action": 200,
        "checklist": 200,
    },
    "quality_of_admin": {
        "site_list": 200,
        "site_detail": 200,
        "audit_new": 200,
        "audit_detail": 200,
        "photo": 200,
        "action": 200,
        "checklist": 200,
    },
    "administrator_of_service": {
        "site_list": 200,
        "site_detail": 200,
        "audit_new": 200,
        "audit_detail": 200,
        "photo": 200,
        "action": 200,
        "checklist": 200,
    },
    "national_of_network": {
        "site_list": 200,
        "site_detail": 200,
        "audit_new": 200,
        "audit_detail": 200,
        "photo": 200,
        "action": 200,
        "checklist": 200,
    },
    # outside the subtree: nothing of Nîmes exists for them
    "agent_of_other_site": {
        "site_list": 302,
        "site_detail": 404,
        "audit_new": 404,
        "audit_detail": 404,
        "photo": 404,
        "action": 404,
        "checklist": 200,
    },
    "quality_of_other_admin": {
        "site_list": 200,
        "site_detail": 404,
        "audit_new": 404,
        "audit_detail": 404,
        "photo": 404,
        "action": 404,
        "checklist": 200,
    },
    "national_of_other_network": {
        "site_list": 200,
        "site_detail": 404,
        "audit_new": 404,
        "audit_detail": 404,
        "photo": 404,
        "action": 404,
        "checklist": 200,
    },
    "no_role": {
        "site_list": 403,
        "site_detail": 403,
        "audit_new": 403,
        "audit_detail": 403,
        "photo": 403,
        "action": 404,
        "checklist": 403,
    },
    # the owner of the action (an agent of Alès) sees their action only, not Nîmes's audit
    "action_owner": {
        "site_list": 302,
        "site_detail": 404,
        "audit_new": 404,
        "audit_detail": 404,
        "photo": 404,
        "action": 200,
        "checklist": 200,
    },
    "superuser": {
        "site_list": 200,
        "site_detail": 200,
        "audit_new": 200,
        "audit_detail": 200,
        "photo": 200,
        "action": 200,
        "checklist": 200,
    },
}


def _user(who, tree, member, world):
    return {
        "agent_of_site": lambda: member(Role.AGENT, tree.nimes),
        "editor_of_admin": lambda: member(Role.EDITOR, tree.gard),
        "quality_of_admin": lambda: member(Role.QUALITY_MANAGER, tree.gard),
        "administrator_of_service": lambda: member(Role.ADMINISTRATOR, tree.gard_service),
        "national_of_network": lambda: member(Role.NATIONAL_ADMINISTRATOR, tree.network),
        "agent_of_other_site": lambda: member(Role.AGENT, tree.metz),
        "quality_of_other_admin": lambda: member(Role.QUALITY_MANAGER, tree.moselle),
        "national_of_other_network": lambda: member(
            Role.NATIONAL_ADMINISTRATOR, tree.other_network
        ),
        "no_role": lambda: UserFactory(),
        "action_owner": lambda: world["owner"].user,
        "superuser": lambda: UserFactory(superuser=True),
    }[who]()


@pytest.mark.parametrize("who", sorted(MATRIX))
def test_permission_matrix(client, tree, member, world, who):
    """Who reads and who records, page by page: roles apply to their subtree; outside it a site,
    audit, photo or action does not exist (404); inside it, recording needs a quality manager
    or administrator role (403 for the others)."""
    client.force_login(_user(who, tree, member, world))
    urls = _urls(tree, world)
    got = {name: client.get(url).status_code for name, url in urls.items()}
    assert got == MATRIX[who]


def test_posting_outside_the_subtree_is_404_and_writes_nothing(
    client, tree, member, world, current
):
    """A quality manager of another administration cannot record an audit or an action on
    Nîmes, even by posting directly."""
    client.force_login(member(Role.QUALITY_MANAGER, tree.moselle))
    assert client.post(reverse("reception:audit_new", args=[tree.nimes.pk]), {}).status_code == 404
    response = client.post(reverse("reception:action_new", args=[world["audit"].pk]), {})
    assert response.status_code == 404
    assert Audit.objects.count() == 1
    assert CorrectiveAction.objects.count() == 1


def test_agent_cannot_post_an_action_nor_update_others(client, tree, member, world):
    """An agent of the site reads the action but may neither add one nor change it (403)."""
    client.force_login(member(Role.AGENT, tree.nimes))
    assert (
        client.post(reverse("reception:action_new", args=[world["audit"].pk]), {}).status_code
        == 403
    )
    url = reverse("reception:action_update", args=[world["action"].pk])
    assert client.post(url, {"status": "done"}).status_code == 403
    world["action"].refresh_from_db()
    assert world["action"].status == ActionStatus.OPEN


def _form_data(current, **changes):
    data = {
        "checklist_number": current.number,
        "kind": "mystery_visit",
        "visited_on": timezone.localdate().isoformat(),
        "conducted_by": "Cabinet Visites & Cie",
        "summary": "Bon accueil dans l'ensemble.",
    }
    for criterion in current.criteria.all():
        data[f"rating_{criterion.key}"] = "met"
        data[f"comment_{criterion.key}"] = ""
    data.update(changes)
    return data


def test_audit_form_records_an_audit_with_photos(client, tree, member, current):
    """A valid form with a photo creates the audit (photo stripped) and opens its page."""
    client.force_login(member(Role.QUALITY_MANAGER, tree.gard))
    data = _form_data(
        current,
        rating_toilets="not_met",
        comment_toilets="Fermées.",
        photos_toilets=[upload(jpeg_with_gps()), upload(jpeg_with_gps(), name="b.jpg")],
    )
    response = client.post(reverse("reception:audit_new", args=[tree.nimes.pk]), data)
    audit = Audit.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("reception:audit_detail", args=[audit.pk])
    assert audit.kind == "mystery_visit"
    assert audit.conducted_by == "Cabinet Visites & Cie"
    assert AuditPhoto.objects.filter(result__criterion__key="toilets").count() == 2
    page = text(client.get(response["Location"]))
    assert "Fermées." in page
    assert "Score" in page


def test_audit_form_errors_keep_what_was_typed(client, tree, member, current):
    """On error the page answers 400 in French, lists each problem, and refills every typed
    value; it says the chosen photos must be chosen again."""
    client.force_login(member(Role.QUALITY_MANAGER, tree.gard))
    data = _form_data(
        current,
        rating_seating="partly_met",
        comment_seating="",
        comment_lighting="Néons neufs dans le hall.",
        visited_on="2099-01-01",
        photos_toilets=[upload(jpeg_with_gps())],
    )
    del data["rating_toilets"]
    response = client.post(reverse("reception:audit_new", args=[tree.nimes.pk]), data)
    page = text(response)
    assert response.status_code == 400
    assert "L'audit n'est pas enregistré" in page
    assert "Choisissez une appréciation pour ce critère." in page
    assert "Dites ce qui manque" in page
    assert "Néons neufs dans le hall." in page
    assert 'value="Cabinet Visites &amp; Cie"' in response.content.decode()
    assert "Bon accueil dans l'ensemble." in page
    assert 'value="2099-01-01"' in page
    assert "Sélectionnez-les de nouveau" in page
    assert not Audit.objects.exists()


def test_future_date_is_reported_on_the_date_field(client, tree, member, current):
    """The service's refusal of a future visit comes back on the date field, values kept."""
    client.force_login(member(Role.QUALITY_MANAGER, tree.gard))
    data = _form_data(current, visited_on="2099-01-01", comment_lighting="Très clair.")
    response = client.post(reverse("reception:audit_new", args=[tree.nimes.pk]), data)
    page = text(response)
    assert response.status_code == 400
    assert "La date de la visite ne peut pas être à venir." in page
    assert "Très clair." in page
    assert "Sélectionnez-les de nouveau" not in page


def test_bad_photo_is_refused_on_its_criterion(client, tree, member, current):
    """A file that is not a JPEG/PNG is refused on its criterion with its name, nothing saved."""
    client.force_login(member(Role.QUALITY_MANAGER, tree.gard))
    data = _form_data(current, photos_lighting=[upload(b"MZ\x90\x00", name="virus.jpg")])
    response = client.post(reverse("reception:audit_new", args=[tree.nimes.pk]), data)
    page = text(response)
    assert response.status_code == 400
    assert "« virus.jpg » : ce fichier n'est pas une image lisible" in page
    assert not Audit.objects.exists()


def test_changed_checklist_is_detected(client, tree, member, current):
    """A form filled against another version is refused with an explanation, values kept."""
    client.force_login(member(Role.QUALITY_MANAGER, tree.gard))
    data = _form_data(current, checklist_number=1, summary="Gardé.")
    response = client.post(reverse("reception:audit_new", args=[tree.nimes.pk]), data)
    assert response.status_code == 400
    assert "La grille a changé pendant la saisie" in text(response)
    assert "Gardé." in text(response)


def test_action_form_errors_keep_what_was_typed(client, tree, member, world):
    """An action without owner answers 400 with the description kept."""
    client.force_login(world["quality"])
    response = client.post(
        reverse("reception:action_new", args=[world["audit"].pk]),
        {
            "criterion": world["action"].criterion.pk,
            "description": "Changer la serrure.",
            "owner": "",
            "due_on": "2001-01-01",
        },
    )
    page = text(response)
    assert response.status_code == 400
    assert "Choisissez l'agent responsable de l'action." in page
    assert "L'échéance ne peut pas précéder la visite." in page
    assert "Changer la serrure." in page


def test_action_form_lists_only_eligible_owners_under_their_public_name(
    client, tree, member, world
):
    """The owner list holds agents of the site's administration only; an agent under an
    anonymity exception appears by pseudonym to a quality manager of the administration."""
    protected = AgentFactory(structure=tree.nimes, anonymous=True)
    outsider = AgentFactory(structure=tree.metz)
    client.force_login(world["quality"])
    page = text(client.get(reverse("reception:audit_detail", args=[world["audit"].pk])))
    assert protected.pseudonym in page
    assert protected.last_name not in page
    assert outsider.last_name not in page


def test_owner_updates_their_action(client, world):
    """The owner marks the action done from its page."""
    client.force_login(world["owner"].user)
    url = reverse("reception:action_update", args=[world["action"].pk])
    response = client.post(url, {"status": "done", "follow_up": "Réparées ce matin."})
    assert response.status_code == 302
    world["action"].refresh_from_db()
    assert world["action"].status == ActionStatus.DONE
    assert "Réparées ce matin." in text(client.get(url))


def test_photo_is_served_privately_and_logged(client, world):
    """The photo comes with its checked type, is not cached by shared caches, and each view is
    written to the audit log."""
    client.force_login(world["quality"])
    response = client.get(reverse("reception:photo", args=[world["photo"].pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"
    assert AuditLogEntry.objects.filter(action="reception.photo.viewed").count() == 1


def test_network_view_scope_switch(client, tree, member, world):
    """A national administrator narrows the network view to one administration; a structure
    outside their scope is a 404 and a site redirects to its page."""
    client.force_login(member(Role.NATIONAL_ADMINISTRATOR, tree.network))
    url = reverse("reception:site_list")
    page = text(client.get(url, {"perimetre": tree.moselle.pk}))
    assert "Accueil de Metz" in page
    assert "Accueil de Nîmes" not in page
    assert client.get(url, {"perimetre": tree.other_network.pk}).status_code == 404
    assert client.get(url, {"perimetre": "abc"}).status_code == 404
    response = client.get(url, {"perimetre": tree.nimes.pk})
    assert response["Location"] == reverse("reception:site_detail", args=[tree.nimes.pk])


def test_network_view_query_count_does_not_grow_with_sites(client, tree, member, world, current):
    """The network view reads a fixed number of queries whatever the number of sites/audits."""
    national = member(Role.NATIONAL_ADMINISTRATOR, tree.network)
    client.force_login(national)
    url = reverse("reception:site_list")
    client.get(url)
    with CaptureQueriesContext(connection) as before:
        assert client.get(url).status_code == 200
    for n in range(4):
        site = StructureFactory(kind="site", name=f"Accueil {n}", parent=tree.gard_service)
        record_audit(actor=national, site=site, checklist=current)
    with CaptureQueriesContext(connection) as after:
        assert client.get(url).status_code == 200
    assert len(after) == len(before)


def test_site_history_query_count_does_not_grow_with_audits(client, tree, member, world, current):
    """The history page reads a fixed number of queries whatever the number of audits/actions."""
    quality = world["quality"]
    client.force_login(quality)
    url = reverse("reception:site_detail", args=[tree.nimes.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as before:
        assert client.get(url).status_code == 200
    for days in (30, 60, 90):
        audit = record_audit(
            actor=quality,
            site=tree.nimes,
            checklist=current,
            visited_on=timezone.localdate() - dt.timedelta(days=days),
        )
        corrective_action_create(
            actor=quality,
            audit=audit,
            criterion=current.criteria.get(key="lighting"),
            description="Changer une ampoule.",
            owner=AgentFactory(structure=tree.nimes),
            due_on=timezone.localdate(),
        )
    with CaptureQueriesContext(connection) as after:
        assert client.get(url).status_code == 200
    assert len(after) == len(before)


def test_audit_page_query_count_does_not_grow_with_photos_actions_and_agents(
    client, tree, member, world, current
):
    """The audit page (results, photos, actions, the owner list) reads a fixed number of queries."""
    client.force_login(world["quality"])
    url = reverse("reception:audit_detail", args=[world["audit"].pk])
    client.get(url)
    with CaptureQueriesContext(connection) as before:
        assert client.get(url).status_code == 200
    for _ in range(3):
        AgentFactory(structure=tree.nimes, anonymous=True)
        corrective_action_create(
            actor=world["quality"],
            audit=world["audit"],
            criterion=current.criteria.get(key="seating"),
            description="Ajouter des chaises.",
            owner=AgentFactory(structure=tree.ales),
            due_on=timezone.localdate(),
        )
    with CaptureQueriesContext(connection) as after:
        assert client.get(url).status_code == 200
    assert len(after) == len(before)
