from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def index(request: HttpRequest) -> HttpResponse:
    products = [("Notebook", 1250), ("Pencil", 180), ("Eraser", 95)]
    return render(request, "index.html", {"products": products})


def admin(request: HttpRequest) -> HttpResponse:
    return render(request, "admin.html")
