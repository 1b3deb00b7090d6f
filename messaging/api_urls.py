from django.urls import path

from . import api

urlpatterns = [
    path("cases/<str:reference>/messages/", api.CaseMessages.as_view(), name="api-case-messages"),
    path("canned-replies/", api.CannedReplyList.as_view(), name="api-canned-replies"),
]
