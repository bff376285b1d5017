"""Back office of the reception app, under / locaux et audits:espace-agent/accueil/."""

app_name = "reception"

urlpatterns: list = []
