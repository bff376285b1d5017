"""Back office of the incidents app, under /espace-agent/incivilites/."""

app_name = "incidents"

urlpatterns: list = []
