"""Plain-French explanations of a decision: one for the public, one precise for agents."""

from decimal import Decimal

from bonnefoi.rules.catalogue import load_catalogue
from bonnefoi.rules.decision import Decision

_RESULT_WORDS = {True: "rempli", False: "non rempli", None: "inconnu"}


def _euros(amount: Decimal) -> str:
    whole, _, cents = f"{amount:.2f}".partition(".")
    grouped = f"{int(whole):,}".replace(",", "\u202f")
    return f"{grouped},{cents} €"


def _pct(value: Decimal) -> str:
    return f"{value:f}".replace(".", ",") + " %"


def _day(value) -> str:
    return value.strftime("%d/%m/%Y")


def fact_label(name: str) -> str:
    info = load_catalogue().facts.get(name)
    return info.label if info else name


def explain(decision: Decision) -> dict[str, str]:
    return {"public": public_explanation(decision), "agent": agent_explanation(decision)}


def _rule_and_sector(decision: Decision):
    catalogue = load_catalogue()
    rule = catalogue.rules[decision.rule] if decision.rule else None
    sector = decision.situation.sector
    return rule, catalogue.sectors[sector] if sector else None


def public_explanation(decision: Decision) -> str:
    """The whole plain-French explanation, in one paragraph (see public_parts)."""
    return " ".join(part for part in public_parts(decision).values() if part)


def public_parts(decision: Decision) -> dict[str, str | None]:
    """The public explanation by part, for pages that lay them out separately:
    verdict (what happens, and why when refused or undetermined), interest, deadline,
    principal (what is still owed), next_steps."""
    catalogue = load_catalogue()
    rule, sector = _rule_and_sector(decision)
    verdict: list[str] = []
    if decision.right_to_error_applies is None:
        verdict.append("Nous ne pouvons pas encore répondre.")
        if decision.missing_facts:
            wanted = ", ".join(fact_label(name) for name in decision.missing_facts)
            verdict.append(f"Il manque une ou plusieurs informations : {wanted}.")
        if "invitation_without_deadline" in decision.flags:
            verdict.append(
                "Le courrier de l'administration ne fixait aucun délai pour corriger : "
                "un agent devra examiner votre situation."
            )
    elif decision.right_to_error_applies:
        verdict.append(rule.public_granted)
    else:
        verdict.append(rule.public_refused)
        if decision.failed_condition:
            verdict.append("Pourquoi : " + catalogue.conditions[decision.failed_condition].if_false)
    interest_text = None
    if decision.interest and decision.interest.monthly_rate_pct is not None:
        interest = decision.interest
        interest_text = f"Intérêt de retard : {_pct(interest.monthly_rate_pct)} par mois"
        if interest.reduction_pct:
            interest_text += f" (réduction de {_pct(interest.reduction_pct)})"
        if interest.amount_eur is not None:
            interest_text += f", soit {_euros(interest.amount_eur)}"
        interest_text += "."
    deadline_text = None
    if decision.effective_deadline:
        deadline_text = (
            f"Le délai pour corriger se terminait le {_day(decision.effective_deadline)}"
        )
        if decision.deadline_extension:
            deadline_text += (
                " (reporté au premier jour ouvré suivant : "
                + " ; ".join(decision.deadline_extension)
                + ")"
            )
        deadline_text += "."
    return {
        "verdict": " ".join(verdict),
        "interest": interest_text,
        "deadline": deadline_text,
        "principal": sector.principal if sector is not None else None,
        "next_steps": _next_steps(decision),
    }


def _next_steps(decision: Decision) -> str:
    if decision.right_to_error_applies is None:
        return (
            "Que faire : complétez les informations manquantes, ou demandez conseil à "
            "l'administration concernée."
        )
    if decision.right_to_error_applies:
        return (
            "Que faire : si ce n'est pas déjà fait, signalez votre erreur et sa correction à "
            "l'administration, et gardez une preuve de votre démarche."
        )
    return (
        "Que faire : avant toute sanction, l'administration doit vous permettre de présenter "
        "vos observations ; vous pouvez aussi contester sa décision par un recours."
    )


def agent_explanation(decision: Decision) -> str:
    catalogue = load_catalogue()
    lines: list[str] = []
    if decision.right_to_error_applies is None:
        verdict = "Indéterminé"
    else:
        verdict = (
            "Droit à l'erreur applicable"
            if decision.right_to_error_applies
            else "Droit à l'erreur non applicable"
        )
    sanction = decision.sanction.value if decision.sanction else "à déterminer"
    lines.append(f"{verdict} — régime {decision.regime or 'non déterminé'}, sanction : {sanction}.")
    if decision.rule_version:
        lines.append(
            f"Version de règle : {decision.rule_version} (jeu de règles {decision.rules_version})."
        )
    for number, step in enumerate(decision.trace, start=1):
        refs = ", ".join(_short_ref(catalogue.references[r]) for r in step.references)
        line = f"{number}. {step.label} : {_RESULT_WORDS[step.result]}"
        if refs:
            line += f" [{refs}]"
        if step.note:
            line += f" — {step.note}"
        lines.append(line)
    if decision.missing_facts:
        lines.append(
            "Faits manquants : "
            + ", ".join(f"{fact_label(n)} ({n})" for n in decision.missing_facts)
            + "."
        )
    if decision.missing_for_amounts:
        lines.append(
            "Montant non calculé, il manque : "
            + ", ".join(fact_label(n) for n in decision.missing_for_amounts)
            + "."
        )
    for flag in decision.flags:
        lines.append(f"À examiner ({flag}) : {catalogue.flags[flag].message}")
    unverified = [r for r in decision.articles if catalogue.references[r].unverified]
    if unverified:
        lines.append(
            "Références à vérifier sur Légifrance : "
            + ", ".join(_short_ref(catalogue.references[r]) for r in unverified)
            + "."
        )
    return "\n".join(lines)


def _short_ref(reference) -> str:
    text = f"{reference.code}, {reference.article}"
    if reference.paragraph:
        text += f" ({reference.paragraph})"
    return text
