"""Forms of the advice back office: the entry editor, publication, version comparison."""

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from bonnefoi.advice.editing import EntryFields, owner_choices
from bonnefoi.advice.models import (
    Audience,
    ChangeKind,
    Entry,
    LegalReference,
    LifeEvent,
    Procedure,
)
from bonnefoi.core.forms import BaseForm
from bonnefoi.core.personal_data import find_personal_data, personal_data_message
from bonnefoi.structures.models import Structure

LINK_SEPARATOR = "|"
CHOICES_TEMPLATE = "includes/form/choices.html"
PUBLIC_TEXT_FIELDS = ("title", "consequence", "advice", "fix", "example")
_HTTPS = URLValidator(schemes=["https"])
_TEXTAREA_ROWS = 5


def parse_links(text: str) -> tuple[list[dict], list[str]]:
    """Lines "Libellé | https://…" into [{"label", "url"}], with one French error per bad line."""
    links: list[dict] = []
    errors: list[str] = []
    seen: set[str] = set()
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        label, separator, url = line.partition(LINK_SEPARATOR)
        label, url = label.strip(), url.strip()
        if not separator:
            errors.append(
                f"Ligne {number} : séparez le libellé et l'adresse par une barre verticale "
                f"« {LINK_SEPARATOR} », par exemple « Déclarer en ligne | https://www.impots.gouv.fr/ »."
            )
            continue
        if not label:
            errors.append(f"Ligne {number} : écrivez un libellé avant la barre verticale.")
            continue
        if len(label) > 200:
            errors.append(f"Ligne {number} : le libellé dépasse 200 caractères.")
            continue
        try:
            _HTTPS(url)
        except ValidationError:
            errors.append(
                f"Ligne {number} : « {url or '(vide)'} » n'est pas une adresse web valide ; "
                "elle doit commencer par https://."
            )
            continue
        if url in seen:
            errors.append(f"Ligne {number} : cette adresse figure déjà plus haut.")
            continue
        seen.add(url)
        links.append({"label": label, "url": url})
    return links, errors


def links_as_text(links: list[dict]) -> str:
    return "\n".join(f"{link['label']} {LINK_SEPARATOR} {link['url']}" for link in links)


def rule_choices(extra_ids=()) -> list[tuple[str, str]]:
    """Engine rules as checkbox choices; ids no longer in the engine are kept, marked as such."""
    from bonnefoi.rules import load_catalogue

    rules = load_catalogue().rules
    choices = [(rule_id, f"{rule.title} ({rule_id})") for rule_id, rule in rules.items()]
    choices += [
        (rule_id, f"{rule_id} (règle inconnue du moteur)")
        for rule_id in extra_ids
        if rule_id not in rules
    ]
    return choices


class _LifeEventChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{Audience(obj.audience).label} — {obj.title}"


class _ReferenceChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj} (à vérifier)" if obj.unverified else str(obj)


def _textarea(rows: int = _TEXTAREA_ROWS) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


def _multiple(size: int = 8) -> forms.SelectMultiple:
    return forms.SelectMultiple(attrs={"size": size})


MULTIPLE_HINT = "Pour en choisir plusieurs, maintenez la touche Ctrl (ou Cmd sur Mac) en cliquant."


class EntryForm(BaseForm):
    """An entry's working copy. Every refusal says, in French, what to change; input is kept."""

    audience = forms.ChoiceField(
        label="Public",
        choices=Audience.choices,
        error_messages={"required": "Choisissez le public concerné."},
    )
    title = forms.CharField(
        label="L'erreur, à la première personne",
        max_length=200,
        help_text="Comme les gens la commettent : « J'oublie de déclarer… ».",
        error_messages={
            "required": "Écrivez l'erreur à la première personne.",
            "max_length": "L'intitulé dépasse 200 caractères : raccourcissez-le.",
        },
    )
    consequence = forms.CharField(
        label="Ce que l'erreur entraîne",
        widget=_textarea(4),
        help_text="En une à trois phrases.",
        error_messages={"required": "Dites ce que l'erreur entraîne."},
    )
    advice = forms.CharField(
        label="Le conseil pour l'éviter",
        widget=_textarea(6),
        help_text="Deux à cinq phrases. Une ligne qui commence par « - » devient un élément de liste.",
        error_messages={"required": "Écrivez le conseil pour éviter l'erreur."},
    )
    fix = forms.CharField(
        label="Comment la corriger si elle est faite",
        widget=_textarea(5),
        help_text="La façon officielle de régulariser (corriger en ligne, signaler le changement…).",
        error_messages={"required": "Dites comment corriger l'erreur si elle est déjà faite."},
    )
    example = forms.CharField(
        label="Exemple",
        required=False,
        widget=_textarea(4),
        help_text="Un court exemple chiffré.",
    )
    links = forms.CharField(
        label="Pages officielles",
        widget=_textarea(4),
        help_text=(
            "Une page par ligne : le libellé, une barre verticale, puis l'adresse. "
            "Exemple : Corriger sa déclaration en ligne | https://www.impots.gouv.fr/"
        ),
        error_messages={"required": "Indiquez au moins une page officielle."},
    )
    life_events = _LifeEventChoice(
        label="Événements de vie",
        queryset=LifeEvent.objects.order_by("audience", "position", "title"),
        widget=_multiple(),
        help_text=MULTIPLE_HINT,
        error_messages={"required": "Choisissez au moins un événement de vie."},
    )
    procedures = forms.ModelMultipleChoiceField(
        label="Démarches",
        queryset=Procedure.objects.order_by("title"),
        required=False,
        widget=_multiple(),
        help_text=MULTIPLE_HINT,
    )
    legal_references = _ReferenceChoice(
        label="Références juridiques",
        queryset=LegalReference.objects.order_by("code", "article"),
        required=False,
        widget=_multiple(),
        help_text=(
            "Les textes dont dépend le conseil : une nouvelle version de l'un d'eux le mettra "
            "« à revoir ». " + MULTIPLE_HINT
        ),
    )
    owners = forms.ModelMultipleChoiceField(
        label="Administrations responsables",
        queryset=Structure.objects.none(),  # set per user in __init__
        widget=_multiple(5),
        help_text="Parmi les structures où vous avez un rôle de rédaction. " + MULTIPLE_HINT,
        error_messages={"required": "Choisissez au moins une administration responsable."},
    )
    rule_ids = forms.MultipleChoiceField(
        label="Règles du droit à l'erreur dont il dépend",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Une nouvelle version de l'une de ces règles mettra le conseil « à revoir ».",
        template_name=CHOICES_TEMPLATE,
    )
    review_by = forms.DateField(
        label="À relire avant le",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        help_text="À la publication, elle est repoussée à un an au moins.",
        error_messages={"invalid": "Saisissez une date valide, par exemple 31/12/2027."},
    )

    def __init__(self, *args, user, entry: Entry | None = None, **kwargs):
        if entry is not None and "initial" not in kwargs and not args and "data" not in kwargs:
            kwargs["initial"] = self.initial_for(entry, user)
        super().__init__(*args, **kwargs)
        self.user = user
        self.entry = entry
        owners = owner_choices(user).order_by("path")
        self.fields["owners"].queryset = owners
        self.fields["rule_ids"].choices = rule_choices(entry.rule_ids if entry else ())
        if entry is None and not self.is_bound:
            only = list(owners[:2])
            if len(only) == 1:
                self.initial["owners"] = [only[0].pk]

    @staticmethod
    def initial_for(entry: Entry, user) -> dict:
        reach = set(owner_choices(user).values_list("pk", flat=True))
        return {
            "audience": entry.audience,
            "title": entry.title,
            "consequence": entry.consequence,
            "advice": entry.advice,
            "fix": entry.fix,
            "example": entry.example,
            "links": links_as_text(entry.links),
            "life_events": [e.pk for e in entry.life_events.all()],
            "procedures": [p.pk for p in entry.procedures.all()],
            "legal_references": [r.pk for r in entry.legal_references.all()],
            "owners": [o.pk for o in entry.owners.all() if o.pk in reach],
            "rule_ids": list(entry.rule_ids),
            "review_by": entry.review_by,
        }

    def clean_links(self):
        links, errors = parse_links(self.cleaned_data["links"])
        if errors:
            raise ValidationError(errors)
        if not links:
            raise ValidationError("Indiquez au moins une page officielle.")
        return links

    def clean(self):
        cleaned = super().clean()
        for name in PUBLIC_TEXT_FIELDS:
            found = find_personal_data(str(cleaned.get(name) or ""))
            if found:
                self.add_error(name, personal_data_message(found))
        audience = cleaned.get("audience")
        events = cleaned.get("life_events")
        if audience and events:
            others = [e.title for e in events if e.audience != audience]
            if others:
                self.add_error(
                    "life_events",
                    "Ces événements de vie concernent un autre public : " + ", ".join(others) + ".",
                )
        return cleaned

    def entry_fields(self) -> EntryFields:
        data = self.cleaned_data
        return EntryFields(
            audience=data["audience"],
            title=data["title"],
            consequence=data["consequence"],
            advice=data["advice"],
            fix=data["fix"],
            example=data.get("example", ""),
            links=data["links"],
            life_events=list(data["life_events"]),
            procedures=list(data["procedures"]),
            legal_references=list(data["legal_references"]),
            owners=list(data["owners"]),
            rule_ids=list(data["rule_ids"]),
            review_by=data.get("review_by"),
        )

    def texts(self) -> list[str]:
        """The texts as typed (valid or not), for the plain-language check."""
        source = self.data if self.is_bound else self.initial
        return [
            str(source.get(name) or "")
            for name in ("title", "consequence", "advice", "fix", "example")
        ]


class PublishForm(BaseForm):
    change_kind = forms.ChoiceField(
        label="Nature du changement",
        choices=ChangeKind.choices,
        widget=forms.RadioSelect,
        template_name=CHOICES_TEMPLATE,
        help_text="Une modification importante change ce que le public doit faire.",
        error_messages={"required": "Dites s'il s'agit d'une modification importante ou mineure."},
    )
    change_note = forms.CharField(
        label="Note de changement",
        widget=_textarea(3),
        max_length=1000,
        help_text="Elle est publique : dites en une phrase ce qui change pour le lecteur.",
        error_messages={
            "required": "Dites en une phrase ce qui change : la note est publique.",
            "max_length": "La note dépasse 1 000 caractères : une ou deux phrases suffisent.",
        },
    )

    def clean_change_note(self):
        note = self.cleaned_data["change_note"].strip()
        if not note:
            raise ValidationError("Dites en une phrase ce qui change : la note est publique.")
        found = find_personal_data(note)
        if found:
            raise ValidationError(personal_data_message(found))
        return note


WORKING_COPY = "travail"


class CompareForm(BaseForm):
    """Which two states of an entry to compare: published versions or the working copy."""

    old = forms.ChoiceField(
        label="Comparer", error_messages={"invalid_choice": "Version inconnue."}
    )
    new = forms.ChoiceField(label="avec", error_messages={"invalid_choice": "Version inconnue."})

    def __init__(self, *args, numbers: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(str(n), f"Version publiée n° {n}") for n in numbers]
        choices.append((WORKING_COPY, "Copie de travail (non publiée)"))
        self.fields["old"].choices = choices
        self.fields["new"].choices = choices

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("old") and cleaned.get("old") == cleaned.get("new"):
            raise ValidationError("Choisissez deux états différents à comparer.")
        return cleaned
