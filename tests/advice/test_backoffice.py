"""Advice back office: scope, list and review queue, editor, preview, workflow, diff."""

import html
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bonnefoi.accounts.models import Role
from bonnefoi.advice.models import Entry, EntryStatus, Feedback
from bonnefoi.advice.services import entry_publish
from bonnefoi.advice.views.backoffice import diff_html, word_diff
from bonnefoi.core.models import AuditLogEntry
from bonnefoi.structures.models import StructureKind
from tests.accounts.factories import MembershipFactory
from tests.advice.factories import EntryFactory, LegalReferenceFactory, LifeEventFactory
from tests.structures.factories import StructureFactory

pytestmark = pytest.mark.django_db

LIST = reverse("advice_backoffice:list")
QUEUE = reverse("advice_backoffice:review_queue")
NEW = reverse("advice_backoffice:new")


def url(name: str, entry) -> str:
    return reverse(f"advice_backoffice:{name}", args=[entry.pk])


def text(response) -> str:
    return html.unescape(response.content.decode())


class World:
    """Réseau CAF > CAF du Gard, CAF de la Moselle; another network, DGFiP."""

    def __init__(self):
        self.network = StructureFactory(name="Réseau CAF")
        self.gard = StructureFactory(
            kind=StructureKind.ADMINISTRATION, name="CAF du Gard", parent=self.network
        )
        self.moselle = StructureFactory(
            kind=StructureKind.ADMINISTRATION, name="CAF de la Moselle", parent=self.network
        )
        self.site = StructureFactory(
            kind=StructureKind.SITE, name="Accueil de Nîmes", parent=self.gard
        )
        self.dgfip = StructureFactory(name="DGFiP")
        self.event = LifeEventFactory(title="Je déménage")
        self.editor = self.member(Role.EDITOR, self.gard)
        self.reviewer = self.member(Role.QUALITY_MANAGER, self.gard)

    @staticmethod
    def member(role, structure):
        return MembershipFactory(role=role, structure=structure).user

    def entry(self, owner=None, **kwargs):
        return EntryFactory(owners=[owner or self.gard], life_events=[self.event], **kwargs)

    def published(self, owner=None, **kwargs):
        entry = self.entry(owner, status=EntryStatus.IN_REVIEW, **kwargs)
        entry_publish(entry=entry, user=None, change_kind="major", change_note="Première version.")
        entry.refresh_from_db()
        return entry

    def form_data(self, **overrides):
        data = {
            "audience": "particulier",
            "title": "J'oublie de signaler mon déménagement",
            "consequence": "Vous recevez une aide calculée sur votre ancien loyer.",
            "advice": "Signalez votre nouvelle adresse dès que vous déménagez.",
            "fix": "Signalez le changement sur caf.fr, même en retard.",
            "example": "",
            "links": "Mon compte CAF | https://www.caf.fr/\nService public | https://www.service-public.fr/",
            "life_events": [self.event.pk],
            "procedures": [],
            "legal_references": [],
            "owners": [self.gard.pk],
            "rule_ids": [],
            "review_by": "",
            "action": "save",
        }
        data.update(overrides)
        return data


@pytest.fixture
def world():
    return World()


# --- access and scope --------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_the_login_page(client, world):
    """Every back-office page of the catalogue requires signing in."""
    entry = world.entry()
    for target in (LIST, QUEUE, NEW, url("edit", entry), url("preview", entry), url("diff", entry)):
        response = client.get(target)
        assert response.status_code == 302
        assert response["Location"].startswith("/connexion/?next=")


def test_users_without_an_advice_role_get_a_french_refusal(client, world):
    """An agent (no advice.edit anywhere) is told in French who writes the advice: 403."""
    client.force_login(world.member(Role.AGENT, world.site))
    for target in (LIST, QUEUE, NEW):
        response = client.get(target)
        assert response.status_code == 403
        assert "Accès réservé aux rédacteurs" in text(response)


def test_list_holds_the_entries_of_the_users_subtrees_only(client, world):
    """A Gard editor sees Gard's entries; not Moselle's nor DGFiP's. A network editor sees both
    CAF administrations."""
    gard = world.entry(title="J'oublie le Gard")
    moselle = world.entry(world.moselle, title="J'oublie la Moselle")
    world.entry(world.dgfip, title="J'oublie les impôts")
    client.force_login(world.editor)
    listed = [row["entry"] for row in client.get(LIST).context["rows"]]
    assert listed == [gard]
    client.force_login(world.member(Role.EDITOR, world.network))
    listed = {row["entry"] for row in client.get(LIST).context["rows"]}
    assert listed == {gard, moselle}


@pytest.mark.parametrize("name", ["edit", "preview", "diff"])
def test_an_entry_outside_the_subtree_is_not_found(client, world, name):
    """Pages of an entry owned elsewhere answer 404, as if it did not exist."""
    other = world.published(world.moselle)
    client.force_login(world.editor)
    assert client.get(url(name, other)).status_code == 404


@pytest.mark.parametrize("name", ["submit", "publish", "archive"])
def test_actions_on_an_entry_outside_the_subtree_are_not_found(client, world, name):
    """Writing actions on an entry owned elsewhere answer 404 and change nothing."""
    other = world.entry(world.moselle, status=EntryStatus.IN_REVIEW)
    client.force_login(world.reviewer)
    response = client.post(url(name, other), {"change_kind": "minor", "change_note": "x"})
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.status == EntryStatus.IN_REVIEW


def test_list_shows_state_review_badge_and_review_date_with_constant_queries(client, world):
    """Each row: title, state, "À revoir" badge, review-by date (flagged when past); the number
    of queries does not grow with the number of entries."""
    today = timezone.localdate()
    world.entry(title="J'oublie A", needs_review=True, review_by=today - timedelta(days=2))
    world.published(title="J'oublie B")
    client.force_login(world.editor)
    client.get(LIST)  # warm the session and caches
    with CaptureQueriesContext(connection) as two:
        response = client.get(LIST)
    page = text(response)
    assert "Brouillon" in page
    assert "Publié" in page
    assert "À revoir" in page
    assert f"{today - timedelta(days=2):%d/%m/%Y}" in page
    assert "(dépassée)" in page
    for n in range(5):
        world.entry(title=f"J'oublie encore {n}")
    with CaptureQueriesContext(connection) as seven:
        response = client.get(LIST)
    assert len(response.context["rows"]) == 7
    assert len(seven.captured_queries) == len(two.captured_queries)


# --- review queue ------------------------------------------------------------------------


def _feedback(entry, count, *, days_ago=0, useful=False):
    for _ in range(count):
        feedback = Feedback.objects.create(entry=entry, version_number=1, useful=useful)
        if days_ago:
            Feedback.objects.filter(pk=feedback.pk).update(
                created_on=timezone.localdate() - timedelta(days=days_ago)
            )


def test_review_queue_gathers_what_needs_a_reviewer(client, world, django_assert_max_num_queries):
    """In the queue: "à revoir", past its review date, waiting for publication, and reported
    as not useful (3 "no" in 90 days). Not in it: 2 recent "no", old "no", "yes" answers, an
    entry outside the subtree, an archived entry."""
    today = timezone.localdate()
    marked = world.published(title="J'oublie A")
    Entry.objects.filter(pk=marked.pk).update(needs_review=True, review_reason="Nouvelle loi.")
    overdue = world.entry(title="J'oublie B", review_by=today - timedelta(days=1))
    waiting = world.entry(title="J'oublie C", status=EntryStatus.IN_REVIEW)
    reported = world.published(title="J'oublie D")
    _feedback(reported, 3)
    calm = world.published(title="J'oublie E")
    _feedback(calm, 2)
    _feedback(calm, 5, days_ago=120)
    _feedback(calm, 6, useful=True)
    world.entry(world.moselle, needs_review=True)
    world.entry(status=EntryStatus.ARCHIVED, review_by=today - timedelta(days=1))
    client.force_login(world.editor)
    client.get(QUEUE)
    with django_assert_max_num_queries(12):
        response = client.get(QUEUE)
    rows = {row["entry"].pk: row["reasons"] for row in response.context["rows"]}
    assert set(rows) == {marked.pk, overdue.pk, waiting.pk, reported.pk}
    assert rows[marked.pk] == ["À revoir : Nouvelle loi."]
    assert rows[overdue.pk] == [
        f"Date de relecture dépassée ({today - timedelta(days=1):%d/%m/%Y})"
    ]
    assert rows[waiting.pk] == ["En attente de publication"]
    assert rows[reported.pk] == ["3 lecteurs l'ont trouvé pas utile ces 90 derniers jours"]


def test_review_queue_queries_do_not_grow_with_its_length(client, world):
    """The queue page runs the same number of queries for 2 or 8 entries."""
    for n in range(2):
        world.entry(title=f"J'oublie {n}", status=EntryStatus.IN_REVIEW)
    client.force_login(world.editor)
    client.get(QUEUE)
    with CaptureQueriesContext(connection) as small:
        client.get(QUEUE)
    for n in range(6):
        _feedback(world.published(title=f"J'oublie encore {n}"), 3)
    with CaptureQueriesContext(connection) as large:
        response = client.get(QUEUE)
    assert len(response.context["rows"]) == 8
    assert len(large.captured_queries) == len(small.captured_queries)


# --- editor ------------------------------------------------------------------------------


def test_editor_creates_a_draft_with_links_parsed_and_audited(client, world):
    """A valid form creates a draft owned by the chosen administration; links become label/URL
    pairs; the creation is in the audit log."""
    reference = LegalReferenceFactory()
    client.force_login(world.editor)
    response = client.post(
        NEW,
        world.form_data(
            legal_references=[reference.pk], rule_ids=["css-l114-17"], review_by="2027-06-30"
        ),
    )
    entry = Entry.objects.get(title="J'oublie de signaler mon déménagement")
    assert response.status_code == 302
    assert response["Location"] == url("edit", entry)
    assert entry.status == EntryStatus.DRAFT
    assert entry.slug == "joublie-de-signaler-mon-demenagement"
    assert list(entry.owners.all()) == [world.gard]
    assert entry.links == [
        {"label": "Mon compte CAF", "url": "https://www.caf.fr/"},
        {"label": "Service public", "url": "https://www.service-public.fr/"},
    ]
    assert list(entry.legal_references.all()) == [reference]
    assert entry.rule_ids == ["css-l114-17"]
    assert str(entry.review_by) == "2027-06-30"
    log = AuditLogEntry.objects.get(action="advice.entry.create")
    assert log.actor == world.editor
    assert log.object_id == str(entry.pk)


def test_invalid_form_says_what_to_fix_in_french_and_keeps_the_input(client, world):
    """Missing texts and malformed link lines are refused (400) with one French message per
    problem, and everything typed is shown again."""
    client.force_login(world.editor)
    response = client.post(
        NEW,
        world.form_data(
            consequence="",
            advice="Mon conseil très personnel.",
            links="Sans barre https://www.caf.fr/\n | https://www.caf.fr/\nMauvais | ftp://caf.fr/\n"
            "Bon | https://www.caf.fr/\nDoublon | https://www.caf.fr/",
        ),
    )
    assert response.status_code == 400
    page = text(response)
    assert "Le conseil n'est pas enregistré" in page
    assert "Dites ce que l'erreur entraîne." in page
    assert "Ligne 1 : séparez le libellé et l'adresse par une barre verticale" in page
    assert "Ligne 2 : écrivez un libellé avant la barre verticale." in page
    assert "Ligne 3 : « ftp://caf.fr/ » n'est pas une adresse web valide" in page
    assert "Ligne 5 : cette adresse figure déjà plus haut." in page
    assert "Mon conseil très personnel." in page
    assert "Sans barre https://www.caf.fr/" in page
    assert 'aria-invalid="true"' in page
    assert not Entry.objects.exists()


def test_owners_are_limited_to_the_users_structures(client, world):
    """The owner list holds the networks and administrations where the user writes; naming
    another one is refused."""
    client.force_login(world.editor)
    form = client.get(NEW).context["form"]
    assert list(form.fields["owners"].queryset) == [world.gard]
    assert form.initial["owners"] == [world.gard.pk]  # only one choice: chosen for them
    response = client.post(NEW, world.form_data(owners=[world.moselle.pk]))
    assert response.status_code == 400
    assert "Administrations responsables" in text(response)
    assert not Entry.objects.exists()


def test_life_events_must_match_the_audience(client, world):
    """A life event of another audience is refused with its title."""
    pro = LifeEventFactory(audience="professionnel", title="Je crée mon entreprise")
    client.force_login(world.editor)
    response = client.post(NEW, world.form_data(life_events=[world.event.pk, pro.pk]))
    assert response.status_code == 400
    assert "concernent un autre public : Je crée mon entreprise." in text(response)


def test_preview_in_the_form_renders_the_page_without_saving(client, world):
    """ "Prévisualiser" shows the entry body from what was typed, with the plain-language
    check, and saves nothing."""
    client.force_login(world.editor)
    response = client.post(
        NEW,
        world.form_data(
            action="preview",
            advice="Nonobstant les modalités afférentes, signalez votre adresse.",
        ),
    )
    assert response.status_code == 200
    page = text(response)
    assert "Aperçu, non enregistré" in page
    assert "Ce que cette erreur entraîne" in page
    assert 'href="https://www.caf.fr/"' in page
    assert "Conseils de rédaction" in page
    assert "préférez « malgré »" in page
    assert not Entry.objects.exists()


def test_the_form_shows_the_plain_language_check_as_advice(client, world):
    """The editor sees the readability score, long sentences and jargon of the saved text;
    none of it prevents saving."""
    long_sentence = " ".join(["mot"] * 30) + "."
    entry = world.entry(advice=f"Il vous appartient de solliciter la CAF. {long_sentence}")
    client.force_login(world.editor)
    page = text(client.get(url("edit", entry)))
    assert "Score :" in page
    assert "30 mots :" in page
    assert "préférez « demander »" in page
    response = client.post(
        url("edit", entry), world.form_data(advice=f"Sollicitez. {long_sentence}")
    )
    assert response.status_code == 302


def test_editor_submits_and_reviewer_of_the_same_administration_publishes(client, world):
    """The editor saves and submits; only a reviewer of the owner sees the publication form and
    publishes with a change kind and a public note."""
    client.force_login(world.editor)
    client.post(NEW, world.form_data(action="submit"))
    entry = Entry.objects.get()
    assert entry.status == EntryStatus.IN_REVIEW
    preview = text(client.get(url("preview", entry)))
    assert "Publier cette version" not in preview
    assert (
        client.post(
            url("publish", entry), {"change_kind": "major", "change_note": "v1"}
        ).status_code
        == 403
    )

    client.force_login(world.reviewer)
    preview = client.get(url("preview", entry))
    assert "Publier cette version" in text(preview)
    response = client.post(
        url("publish", entry), {"change_kind": "major", "change_note": "Première version."}
    )
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.status == EntryStatus.PUBLISHED
    assert entry.current_version.number == 1
    assert entry.current_version.change_note == "Première version."
    assert entry.current_version.published_by == world.reviewer


def test_publication_without_a_note_is_refused_and_keeps_the_input(client, world):
    """No change note or no change kind: 400, French message, the entry stays in review."""
    entry = world.entry(status=EntryStatus.IN_REVIEW)
    client.force_login(world.reviewer)
    response = client.post(url("publish", entry), {"change_kind": "minor", "change_note": "   "})
    assert response.status_code == 400
    assert "Dites en une phrase ce qui change : la note est publique." in text(response)
    response = client.post(url("publish", entry), {"change_note": "Coquille corrigée."})
    assert response.status_code == 400
    page = text(response)
    assert "Dites s'il s'agit d'une modification importante ou mineure." in page
    assert "Coquille corrigée." in page
    entry.refresh_from_db()
    assert entry.status == EntryStatus.IN_REVIEW
    assert entry.current_version is None


def test_editing_a_published_entry_starts_a_revision(client, world):
    """Changing the text of a published entry puts it back to draft; the published version is
    untouched; the audit entry lists what changed."""
    entry = world.published(advice="Ancien conseil.")
    client.force_login(world.editor)
    response = client.post(
        url("edit", entry), world.form_data(title=entry.title, advice="Nouveau conseil.")
    )
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.status == EntryStatus.DRAFT
    assert entry.advice == "Nouveau conseil."
    assert entry.current_version.content["advice"] == "Ancien conseil."
    log = AuditLogEntry.objects.filter(action="advice.entry.update").get()
    assert "advice" in log.details["changed"]
    assert log.details["status"] == EntryStatus.DRAFT


def test_changing_only_the_classification_keeps_a_published_entry_published(client, world):
    """A new review-by date or procedure does not change the published text: still published."""
    entry = world.published()
    client.force_login(world.editor)
    data = world.form_data(
        title=entry.title,
        consequence=entry.consequence,
        advice=entry.advice,
        fix=entry.fix,
        links="Site officiel | https://www.caf.fr/",
        review_by="2030-01-31",
    )
    assert client.post(url("edit", entry), data).status_code == 302
    entry.refresh_from_db()
    assert entry.status == EntryStatus.PUBLISHED
    assert str(entry.review_by) == "2030-01-31"


def test_co_owners_outside_the_editors_reach_are_kept(client, world):
    """An entry shared with DGFiP keeps DGFiP as owner when a Gard editor saves it."""
    entry = EntryFactory(owners=[world.gard, world.dgfip], life_events=[world.event])
    client.force_login(world.editor)
    form = client.get(url("edit", entry)).context["form"]
    assert form.initial["owners"] == [world.gard.pk]
    assert client.post(url("edit", entry), world.form_data()).status_code == 302
    assert set(entry.owners.all()) == {world.gard, world.dgfip}


def test_archive_is_for_reviewers(client, world):
    """A reviewer archives an entry (it leaves the public); an editor may not."""
    entry = world.published()
    client.force_login(world.editor)
    assert client.post(url("archive", entry)).status_code == 403
    client.force_login(world.reviewer)
    assert client.post(url("archive", entry)).status_code == 302
    entry.refresh_from_db()
    assert entry.status == EntryStatus.ARCHIVED
    assert AuditLogEntry.objects.filter(action="advice.entry.archive").count() == 1
    # An archived entry cannot be edited any more: the form sends back to the preview.
    assert client.get(url("edit", entry))["Location"] == url("preview", entry)


def test_preview_page_renders_the_working_copy_without_publishing(client, world):
    """The preview shows the working copy, not the published version, and publishes nothing."""
    entry = world.published(advice="Texte publié.")
    Entry.objects.filter(pk=entry.pk).update(advice="Texte de travail.", status=EntryStatus.DRAFT)
    client.force_login(world.editor)
    page = text(client.get(url("preview", entry)))
    assert "Texte de travail." in page
    assert "Texte publié." not in page
    assert "La version publiée en ligne est la n° 1." in page
    entry.refresh_from_db()
    assert entry.current_version.content["advice"] == "Texte publié."


def test_the_public_keeps_reading_the_published_version_during_a_revision(client, world):
    """While its next version is written and reviewed, an entry's page still shows the last
    published version."""
    entry = world.published(advice="Texte publié.")
    client.force_login(world.editor)
    client.post(url("edit", entry), world.form_data(title=entry.title, advice="Révision."))
    client.logout()
    response = client.get(reverse("advice:entry", args=[entry.slug]))
    assert response.status_code == 200
    assert "Texte publié." in text(response)


# --- diff --------------------------------------------------------------------------------


def test_word_diff_marks_removed_and_added_words():
    """difflib on words: unchanged words stay, removed ones are "delete", added ones "insert"."""
    assert word_diff("Déclarez vite le changement.", "Déclarez le changement en ligne.") == [
        ("equal", "Déclarez"),
        ("delete", " vite"),
        ("equal", " le "),
        ("delete", "changement."),
        ("insert", "changement en ligne."),
    ]
    assert word_diff("", "Nouveau") == [("insert", "Nouveau")]


def test_diff_html_is_escaped_and_spoken():
    """<del>/<ins> carry words for screen readers; the texts themselves are escaped."""
    rendered = diff_html("a <b>", "a <i>\nb")
    assert '<del><span class="fr-sr-only">[supprimé : </span>&lt;b&gt;' in rendered
    assert '<ins><span class="fr-sr-only">[ajouté : </span>&lt;i&gt;<br>b' in rendered


def test_diff_between_two_published_versions(client, world):
    """Choosing versions 1 and 2 shows, per field, the words that changed."""
    reviewer = world.reviewer
    entry = world.published(advice="Déclarez vite le changement.")
    Entry.objects.filter(pk=entry.pk).update(
        advice="Déclarez le changement en ligne.", status=EntryStatus.IN_REVIEW
    )
    entry_publish(entry=entry, user=reviewer, change_kind="minor", change_note="Précision.")
    client.force_login(world.editor)
    response = client.get(url("diff", entry), {"old": "1", "new": "2"})
    assert response.status_code == 200
    fields = {f["label"]: f for f in response.context["fields"]}
    assert fields["Le conseil pour l'éviter"]["changed"]
    assert "<del>" in fields["Le conseil pour l'éviter"]["html"]
    assert not fields["L'erreur"]["changed"]
    assert response.context["changed_count"] == 1
    assert "Les mots retirés sont" in text(response)


def test_diff_defaults_to_published_version_against_working_copy(client, world):
    """Without a choice, the page compares the published version with the working copy."""
    entry = world.published(fix="Ancienne correction.")
    Entry.objects.filter(pk=entry.pk).update(fix="Nouvelle correction.")
    client.force_login(world.editor)
    response = client.get(url("diff", entry))
    fields = {f["label"]: f for f in response.context["fields"]}
    html_fix = fields["Si l'erreur est déjà faite"]["html"]
    assert "Ancienne" in html_fix
    assert "Nouvelle" in html_fix


def test_diff_refuses_unknown_or_identical_versions(client, world):
    """An unknown version or the same state twice: 400 with a French message."""
    entry = world.published()
    client.force_login(world.editor)
    response = client.get(url("diff", entry), {"old": "9", "new": "travail"})
    assert response.status_code == 400
    assert "Version inconnue." in text(response)
    response = client.get(url("diff", entry), {"old": "1", "new": "1"})
    assert response.status_code == 400
    assert "Choisissez deux états différents à comparer." in text(response)


def test_diff_of_a_never_published_entry_says_there_is_nothing_to_compare(client, world):
    """A draft that was never published has no version to compare with."""
    entry = world.entry()
    client.force_login(world.editor)
    response = client.get(url("diff", entry))
    assert response.status_code == 200
    assert "il n'y a rien à comparer" in text(response)


def test_back_office_home_links_to_the_catalogue(client, world):
    """The back-office home offers the way to the advice back office."""
    client.force_login(world.editor)
    assert LIST in client.get(reverse("structures:backoffice_home")).content.decode()
