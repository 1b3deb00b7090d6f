from django.urls import path

from . import views

app_name = "desk"
urlpatterns = [
    path("", views.queue_view, name="queue"),
    path("bulk/", views.bulk_view, name="bulk"),
    path("me/", views.profile_view, name="profile"),
    path("dashboard/", views.dashboard_view, name="dashboard"),
    path("dashboard/<slug:key>.csv", views.dashboard_csv_view, name="dashboard_csv"),
    path("cases/<str:reference>/", views.case_view, name="case"),
    path("cases/<str:reference>/act/", views.act_view, name="act"),
    path("cases/<str:reference>/decide/", views.decide_view, name="decide"),
    path("cases/<str:reference>/evidence.pdf", views.bundle_view, name="bundle"),
    path("cases/<str:reference>/move/", views.move_view, name="move"),
    path("cases/<str:reference>/assign-me/", views.assign_me_view, name="assign_me"),
    path("cases/<str:reference>/note/", views.note_view, name="note"),
    path("cases/<str:reference>/return/<slug:step>/", views.return_action_view, name="return_action"),
    path("cases/<str:reference>/reply/", views.reply_view, name="reply"),
    path("cases/<str:reference>/reply/canned/", views.canned_fill_view, name="reply_canned"),
    path("cases/<str:reference>/reply/preview/", views.reply_preview_view, name="reply_preview"),
    path("cases/<str:reference>/step/", views.step_view, name="step"),
    path("cases/<str:reference>/risk/", views.risk_view, name="risk"),
    path("cases/<str:reference>/carrier-claim/", views.carrier_claim_open_view, name="carrier_claim_open"),
    path("cases/<str:reference>/carrier-claim/<int:pk>/", views.carrier_claim_view, name="carrier_claim"),
    path("cases/<str:reference>/refunds/<int:pk>/confirm/", views.refund_confirm_view, name="refund_confirm"),
]
