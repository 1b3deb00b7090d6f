from django.urls import path

from . import api

urlpatterns = [
    path("decisions/evaluate/", api.Evaluate.as_view(), name="api-decisions-evaluate"),
]
