from django.urls import path

from . import views

app_name = "portal"
order = "<slug:shop>/order/<str:number>/"
urlpatterns = [
    path("", views.shops_view, name="shops"),
    path("<slug:shop>/", views.lookup_view, name="lookup"),
    path("<slug:shop>/o/<str:token>/", views.signed_link_view, name="signed_link"),
    path("<slug:shop>/leave/", views.leave_view, name="leave"),
    path(order, views.order_view, name="order"),
    path(order + "problem/", views.problem_view, name="problem"),
    path(order + "problem/<str:reference>/", views.problem_done_view, name="problem_done"),
    path(order + "problem/<str:reference>/photos/", views.problem_photos_view, name="problem_photos"),
    path(order + "return/", views.return_view, name="return"),
    path(order + "return/<str:rma>/", views.return_done_view, name="return_done"),
    path(order + "return/<str:rma>/label.pdf", views.return_label_view, name="return_label"),
    path(order + "return/<str:rma>/qr.png", views.return_qr_view, name="return_qr"),
    path(order + "photos/<int:pk>/", views.photo_view, name="photo"),
]
