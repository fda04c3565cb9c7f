from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "Cairn curation"
admin.site.site_title = "Cairn"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("frontend.urls")),
]
