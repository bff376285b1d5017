"""Correction cases: a person declares an error and its fix; agents examine it, may invite the
person to regularise, decide with the right-to-error engine and sign a motivated letter.

A case belongs to one structure (least privilege: agents of that structure's subtree see it).
Its life is a state machine (`TRANSITIONS`), changed only by bonnefoi.cases.services, which lock
the row, check the `version` the agent saw, write a `CaseEvent` and the audit log.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from bonnefoi.cases.storage import attachment_upload_to, case_files_storage, letter_upload_to
from bonnefoi.core.models import TimeStampedModel


class CaseState(models.TextChoices):
    SUBMITTED = "submitted", "Déposé"
    IN_REVIEW = "in_review", "En cours d'examen"
    AWAITING_PERSON = "awaiting_person", "En attente de la personne"
    DECIDED = "decided", "Décidé"
    CLOSED = "closed", "Clos"


# Allowed moves; a redirection to another structure is not a state but a move of the case,
# which starts again as "submitted" in the structure that receives it (CaseEvent REDIRECTED).
TRANSITIONS: dict[str, frozenset[str]] = {
    CaseState.SUBMITTED: frozenset({CaseState.IN_REVIEW}),
    CaseState.IN_REVIEW: frozenset({CaseState.AWAITING_PERSON, CaseState.DECIDED}),
    CaseState.AWAITING_PERSON: frozenset({CaseState.IN_REVIEW, CaseState.DECIDED}),
    CaseState.DECIDED: frozenset({CaseState.CLOSED}),
    CaseState.CLOSED: frozenset(),
}
OPEN_STATES = (CaseState.SUBMITTED, CaseState.IN_REVIEW, CaseState.AWAITING_PERSON)
REDIRECTABLE_STATES = OPEN_STATES


class IdentifierKind(models.TextChoices):
    """The person's file identifier at the administration (checked with python-stdnum)."""

    NONE = "", "Je ne le connais pas"
    CAF_ALLOCATAIRE = "caf_allocataire", "Numéro d'allocataire (CAF, MSA)"
    NIF = "nif", "Numéro fiscal (impôts)"
    NIR = "nir", "Numéro de sécurité sociale"
    SIRET = "siret", "Numéro SIRET (entreprise, association)"
    SIREN = "siren", "Numéro SIREN"
    OTHER = "other", "Autre identifiant de dossier"


class Case(TimeStampedModel):
    reference = models.CharField("référence", max_length=14, unique=True, editable=False)
    # Part of the tracking link's secret (services.tracking_secret): changing it revokes every
    # link given so far (a "lost link" request sends a new one).
    tracking_nonce = models.CharField(max_length=32, editable=False)
    structure = models.ForeignKey(
        "structures.Structure",
        verbose_name="structure en charge",
        on_delete=models.PROTECT,
        related_name="cases",
    )
    procedure = models.ForeignKey(
        "advice.Procedure",
        verbose_name="démarche",
        on_delete=models.PROTECT,
        related_name="cases",
    )
    postal_code = models.CharField("code postal", max_length=5)
    state = models.CharField(
        "état", max_length=20, choices=CaseState.choices, default=CaseState.SUBMITTED
    )
    state_changed_at = models.DateTimeField("changement d'état")
    version = models.PositiveIntegerField(default=1, editable=False)  # optimistic lock
    assignee = models.ForeignKey(
        "structures.Agent",
        verbose_name="agent en charge",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_cases",
    )
    # What the person declared
    declared_value = models.TextField("ce qui a été déclaré")
    declared_on = models.DateField("date de la déclaration")
    correct_value = models.TextField("ce qui est exact")
    correct_since = models.DateField("exact depuis le")
    administration_asked = models.BooleanField("l'administration l'a demandé", default=False)
    letter_date = models.DateField("date du courrier de l'administration", null=True, blank=True)
    letter_deadline = models.DateField("délai indiqué par le courrier", null=True, blank=True)
    contact_email = models.EmailField("courriel de contact")
    consent_at = models.DateTimeField("consentement donné le")
    identifier_kind = models.CharField(
        "type d'identifiant", max_length=20, choices=IdentifierKind.choices, blank=True
    )
    # The identifier in clear lives only here (purged with the case); its keyed hash is what
    # other cases are compared with ("first time?"), never the identifier itself.
    identifier = models.CharField("identifiant de dossier", max_length=40, blank=True)
    identifier_hmac = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    # Which frequent error this is (the observatory counts them)
    entry = models.ForeignKey(
        "advice.Entry",
        verbose_name="erreur fréquente",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cases",
    )
    other_error_label = models.CharField("autre erreur", max_length=120, blank=True)
    submitted_at = models.DateTimeField("déposé le")
    decided_at = models.DateTimeField("décidé le", null=True, blank=True)
    closed_at = models.DateTimeField("clos le", null=True, blank=True)

    class Meta:
        verbose_name = "dossier de correction"
        verbose_name_plural = "dossiers de correction"
        ordering = ["submitted_at", "pk"]
        indexes = [
            models.Index(fields=["structure", "state", "submitted_at"]),
            models.Index(fields=["state", "closed_at"]),
            # The observatory rebuilds its aggregates by submission and decision day, and finds
            # what changed since its last rebuild (bonnefoi/observatory/refresh.py).
            models.Index(fields=["submitted_at"]),
            models.Index(fields=["decided_at"]),
            models.Index(fields=["updated_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(letter_deadline__isnull=True) | Q(letter_date__isnull=False),
                name="case_deadline_needs_letter",
            ),
            models.CheckConstraint(
                condition=~Q(identifier="") | Q(identifier_hmac=""),
                name="case_hmac_needs_identifier",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


class EventKind(models.TextChoices):
    SUBMITTED = "submitted", "Déclaration reçue"
    TAKEN = "taken", "Prise en charge"
    MESSAGE_TO_PERSON = "message_to_person", "Message de l'administration"
    INVITATION = "invitation", "Invitation à régulariser"
    PERSON_MESSAGE = "person_message", "Réponse de la personne"
    DOCUMENT_ADDED = "document_added", "Pièce ajoutée"
    INTERNAL_NOTE = "internal_note", "Note interne"
    TAGGED = "tagged", "Erreur fréquente associée"
    DECIDED = "decided", "Décision"
    LETTER_READY = "letter_ready", "Courrier de décision disponible"
    REDIRECTED = "redirected", "Transmis à une autre structure"
    CLOSED = "closed", "Dossier clos"


# What the person sees on their tracking page (internal notes and tags are for agents only).
PUBLIC_EVENT_KINDS = frozenset(
    {
        EventKind.SUBMITTED,
        EventKind.TAKEN,
        EventKind.MESSAGE_TO_PERSON,
        EventKind.INVITATION,
        EventKind.PERSON_MESSAGE,
        EventKind.DOCUMENT_ADDED,
        EventKind.DECIDED,
        EventKind.LETTER_READY,
        EventKind.REDIRECTED,
        EventKind.CLOSED,
    }
)


class CaseEvent(models.Model):
    """One line of a case's history: who did what, when, and the text shown."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField("le", auto_now_add=True)
    kind = models.CharField("type", max_length=30, choices=EventKind.choices)
    agent = models.ForeignKey(
        "structures.Agent",
        verbose_name="agent",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="case_events",
    )
    by_person = models.BooleanField("par la personne", default=False)
    body = models.TextField("texte", blank=True)
    data = models.JSONField("données", default=dict, blank=True)

    class Meta:
        verbose_name = "événement d'un dossier"
        ordering = ["at", "pk"]
        # The observatory finds the cases re-tagged or moved since its last rebuild.
        indexes = [models.Index(fields=["kind", "at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.case_id})"

    @property
    def is_public(self) -> bool:
        return self.kind in PUBLIC_EVENT_KINDS


class Invitation(models.Model):
    """An invitation to regularise (CRPA L123-1): what is asked and the deadline, computed by
    the calendar (bonnefoi.core.deadlines) from the sending day and stated in the message."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="invitations")
    event = models.OneToOneField(CaseEvent, on_delete=models.CASCADE, related_name="invitation")
    requested = models.TextField("ce qui est demandé")
    sent_on = models.DateField("envoyée le")
    deadline_rule = models.CharField("délai", max_length=8)  # "P30D", "P1M"
    deadline = models.DateField("à faire au plus tard le")
    deadline_reasons = models.JSONField("report du délai", default=list, blank=True)
    answered_at = models.DateTimeField("répondue le", null=True, blank=True)

    class Meta:
        verbose_name = "invitation à régulariser"
        ordering = ["sent_on", "pk"]

    def __str__(self) -> str:
        return f"Invitation du {self.sent_on:%d/%m/%Y}, délai au {self.deadline:%d/%m/%Y}"


class Attachment(models.Model):
    """A document of a case (or of a draft before submission), stored outside the web root
    under a random name; served only to the person's tracking link and to allowed agents."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="attachments", null=True, blank=True
    )
    draft = models.ForeignKey(
        "cases.Draft", on_delete=models.SET_NULL, related_name="attachments", null=True, blank=True
    )
    event = models.ForeignKey(
        CaseEvent, on_delete=models.SET_NULL, related_name="attachments", null=True, blank=True
    )
    file = models.FileField(
        storage=case_files_storage, upload_to=attachment_upload_to, max_length=200
    )
    original_name = models.CharField("nom du fichier", max_length=120)
    content_type = models.CharField(max_length=40)  # detected from the content
    size = models.PositiveIntegerField("taille (octets)")
    sha256 = models.CharField(max_length=64)
    by_person = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "pièce jointe"
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(case__isnull=False) | Q(draft__isnull=False),
                name="attachment_has_owner",
            )
        ]

    def __str__(self) -> str:
        return self.original_name


class Draft(models.Model):
    """What a person has typed so far, kept on the server: survives a session expiry, an error
    or going back. Found again by the secret in a cookie or in the resume link (only its
    SHA-256 is stored). Submitting it creates one case, once (`case` is then set)."""

    token_hash = models.CharField(max_length=64, unique=True)
    # API drafts (Idempotency-Key): SHA-256 of the request body, so that a key replayed with
    # another body is refused instead of answering with the case (and its tracking link).
    request_hash = models.CharField(max_length=64, blank=True)
    data = models.JSONField(default=dict)
    step = models.CharField(max_length=30, default="")
    case = models.OneToOneField(
        Case, on_delete=models.SET_NULL, null=True, blank=True, related_name="draft"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "brouillon de déclaration"

    def __str__(self) -> str:
        return f"Brouillon {self.pk}"


class Outcome(models.TextChoices):
    GRANTED = "granted", "Droit à l'erreur accordé"
    NOT_APPLICABLE = "not_applicable", "Droit à l'erreur non applicable"
    BAD_FAITH = "bad_faith", "Mauvaise foi établie"
    FRAUD = "fraud", "Fraude établie"


class Decision(models.Model):
    """The agent's decision, with the engine's situation and answer as they were when deciding
    and any deviation from the engine written out."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="decision")
    agent = models.ForeignKey(
        "structures.Agent", on_delete=models.PROTECT, related_name="case_decisions"
    )
    decided_at = models.DateTimeField(auto_now_add=True)
    outcome = models.CharField("décision", max_length=20, choices=Outcome.choices)
    situation = models.JSONField("situation soumise au moteur")
    engine = models.JSONField("réponse du moteur")  # Decision.to_json()
    engine_applies = models.BooleanField("avis du moteur", null=True)
    rule = models.CharField("règle appliquée", max_length=60, blank=True)
    follows_engine = models.BooleanField("conforme à l'avis du moteur")
    deviation_reason = models.TextField("motif de l'écart", blank=True)
    evidence = models.TextField("éléments de preuve", blank=True)
    motivation = models.TextField("motivation")
    sanction_amount_eur = models.DecimalField(
        "sanction envisagée (€)", max_digits=12, decimal_places=2, null=True, blank=True
    )
    sums_due_eur = models.DecimalField(
        "sommes restant dues (€)", max_digits=12, decimal_places=2, null=True, blank=True
    )

    class Meta:
        verbose_name = "décision"
        constraints = [
            models.CheckConstraint(
                condition=Q(follows_engine=True) | ~Q(deviation_reason=""),
                name="decision_deviation_is_motivated",
            ),
            models.CheckConstraint(
                condition=~Q(outcome__in=["bad_faith", "fraud"]) | ~Q(evidence=""),
                name="decision_bad_faith_needs_evidence",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} ({self.case_id})"


class LetterStatus(models.TextChoices):
    PENDING = "pending", "En préparation"
    READY = "ready", "Disponible"
    FAILED = "failed", "Échec de la mise en forme"


class Letter(models.Model):
    """The decision letter: HTML kept as sent, PDF/UA rendered in a background task."""

    decision = models.OneToOneField(Decision, on_delete=models.CASCADE, related_name="letter")
    status = models.CharField(max_length=10, choices=LetterStatus.choices, default="pending")
    html = models.TextField(blank=True)
    pdf = models.FileField(
        storage=case_files_storage, upload_to=letter_upload_to, max_length=200, blank=True
    )
    signature = models.JSONField(default=dict)  # identity as signed (name or pseudonym, service)
    rendered_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        verbose_name = "courrier de décision"

    def __str__(self) -> str:
        return f"Courrier de la décision {self.decision_id}"


class ApiToken(models.Model):
    """A personal token of an agent for the agent API (`manage.py api_token EMAIL`): only its
    SHA-256 is stored; the token acts with the agent's own rights."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    prefix = models.CharField(max_length=8)  # shown to tell tokens apart
    key_hash = models.CharField(max_length=64, unique=True)
    label = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "jeton d'API"

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.label or self.user_id})"


class WebhookEndpoint(models.Model):
    """An address of an administration's system told of every state change of the cases of a
    structure subtree; bodies signed with HMAC-SHA256 of `secret`."""

    structure = models.ForeignKey(
        "structures.Structure", on_delete=models.CASCADE, related_name="webhooks"
    )
    url = models.URLField(max_length=300)
    secret = models.CharField(max_length=64)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "point d'appel (webhook)"

    def __str__(self) -> str:
        return self.url


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "À envoyer"
    DELIVERED = "delivered", "Reçu"
    FAILED = "failed", "Abandonné"


class WebhookDelivery(models.Model):
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="webhook_deliveries")
    event = models.CharField(max_length=40)
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default="pending")
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "envoi de webhook"
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.event} → {self.endpoint_id} ({self.status})"
