"""The platform's URLs plus /bench/trivial/, the baseline of benchmarks/advice.py (a Django view
that does nothing, behind the same middleware). Only benchmarks/bench_settings.py uses it."""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.urls import path

from config.urls import handler404, handler500
from config.urls import urlpatterns as platform_urlpatterns


@login_not_required
def trivial(request):
    return HttpResponse("ok")


urlpatterns = [path("bench/trivial/", trivial), *platform_urlpatterns]

__all__ = ["handler404", "handler500", "urlpatterns"]
