"""Public transparency pages (/transparence/)."""

app_name = "transparency"
urlpatterns: list = []
