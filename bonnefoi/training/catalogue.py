"""The platform catalogue of training modules, as data.

The three mandatory modules come from engagement n°1 of Services Publics+ (2023 version), which
asks that agents be trained in the ESSOC law, the right to error and a benevolent posture, and that
front-line agents and management be trained to detect, report and handle incivilities. Refresher
periods are our proposal: no official text sets one (docs/adr/0009-kit-d-identification-et-formation.md).
"""

SP_PLUS_ENGAGEMENT_1 = "https://www.plus.transformation.gouv.fr/engagement/1"

PLATFORM_MODULES = [
    {
        "code": "essoc-droit-a-l-erreur",
        "title": "La loi ESSOC et le droit à l'erreur",
        "topic": "right_to_error",
        "description": (
            "Ce que change la loi pour un État au service d'une société de confiance : le droit à "
            "régularisation en cas d'erreur, ses conditions et ses exclusions, la charge de la preuve "
            "de la mauvaise foi, le droit au contrôle ; informer l'usager de son droit et l'aider à "
            "régulariser."
        ),
        "mandatory": True,
        "refresher_months": 36,
        "basis_label": (
            "Engagement Services Publics+ n°1 (version de 2023) : agents formés à la loi ESSOC et au "
            "droit à l'erreur ; loi n° 2018-727 du 10 août 2018, article 2 (article L123-1 du code "
            "des relations entre le public et l'administration)"
        ),
        "basis_url": "https://www.legifrance.gouv.fr/jorf/article_jo/JORFARTI000037307647",
        "basis_verified": True,
    },
    {
        "code": "accueil-bienveillant",
        "title": "L'accueil bienveillant",
        "topic": "reception",
        "description": (
            "Une relation humaine et courtoise sur tous les canaux : se présenter par son nom et son "
            "service, présumer la bonne foi de l'usager, orienter vers la bonne personne, accompagner "
            "selon la situation."
        ),
        "mandatory": True,
        "refresher_months": 36,
        "basis_label": (
            "Engagement Services Publics+ n°1 (version de 2023) : relation humaine, agents formés à "
            "la posture bienveillante, identification par le nom et le service"
        ),
        "basis_url": SP_PLUS_ENGAGEMENT_1,
        "basis_verified": True,
    },
    {
        "code": "incivilites",
        "title": "Détecter, signaler et gérer les incivilités",
        "topic": "incivilities",
        "description": (
            "Reconnaître les niveaux de gravité (incivilité, menaces, agression grave, crime), "
            "désamorcer, se protéger, signaler et être soutenu : protection fonctionnelle, plainte, "
            "signalement au procureur."
        ),
        "mandatory": True,
        "refresher_months": 24,
        "basis_label": (
            "Engagement Services Publics+ n°1 (version de 2023) : agents de premier accueil et "
            "encadrement formés à détecter, signaler et gérer les incivilités"
        ),
        "basis_url": SP_PLUS_ENGAGEMENT_1,
        "basis_verified": True,
    },
    {
        "code": "protection-fonctionnelle",
        "title": "La protection fonctionnelle des agents",
        "topic": "incivilities",
        "description": (
            "Ce que l'employeur doit à l'agent attaqué dans ses fonctions : qui peut la demander, "
            "contre quelles atteintes, ce qu'elle couvre, quand elle est refusée."
        ),
        "mandatory": False,
        "refresher_months": None,
        "basis_label": "Code général de la fonction publique, articles L134-1 à L134-12",
        "basis_url": "https://www.legifrance.gouv.fr/codes/id/LEGITEXT000044416551",
        "basis_verified": False,
    },
    {
        "code": "laicite-services-publics",
        "title": "La laïcité dans les services publics",
        "topic": "reception",
        "description": (
            "La neutralité de l'agent, les droits et devoirs des usagers selon la charte de la "
            "laïcité dans les services publics, les situations délicates à l'accueil."
        ),
        "mandatory": False,
        "refresher_months": None,
        "basis_label": (
            "Charte de la laïcité dans les services publics, annexée à la circulaire du Premier "
            "ministre n° 5209/SG du 13 avril 2007"
        ),
        "basis_url": "https://www.lexbase.fr/article-juridique/3209230-textes-la-charte-de-la-laicite-dans-les-services-publics",
        "basis_verified": True,
    },
    {
        "code": "accueil-personnes-handicapees",
        "title": "Accueillir les personnes handicapées",
        "topic": "reception",
        "description": (
            "Les attitudes et les aides utiles selon le handicap, le registre public "
            "d'accessibilité et la formation du personnel qu'il décrit."
        ),
        "mandatory": False,
        "refresher_months": None,
        "basis_label": (
            "Décret n° 2017-431 du 28 mars 2017 et arrêté du 19 avril 2017 (registre public "
            "d'accessibilité des établissements recevant du public)"
        ),
        "basis_url": "https://banquedesterritoires.fr/un-arrete-precise-le-contenu-et-la-mise-disposition-du-registre-daccessibilite-des-erp",
        "basis_verified": True,
    },
]


def sync_platform_modules(module_model) -> list[str]:
    """Create the platform modules that are missing (by code); existing rows are left as edited.

    Takes the model class so the data migration can pass its historical model.
    """
    created = []
    for data in PLATFORM_MODULES:
        _module, was_created = module_model.objects.get_or_create(
            code=data["code"], defaults={**data, "owner": None}
        )
        if was_created:
            created.append(data["code"])
    return created
