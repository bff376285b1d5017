"""Back office of the training app, under /espace-agent/formations/."""

app_name = "training"

urlpatterns: list = []
