"""Filled in by the observatory work in progress."""

urlpatterns: list = []
