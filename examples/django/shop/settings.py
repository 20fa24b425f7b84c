"""Settings of the example: one app (cdn_assets), no database, nothing that reaches the network.

    CDN_MANIFEST=dist   the default; a path, an outDir or an http(s) URL
    DJANGO_DEBUG=0      turns DEBUG off (then ALLOWED_HOSTS applies)
"""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

# A development key for the example only: set DJANGO_SECRET_KEY anywhere else.
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "example-only-not-a-secret")
DEBUG = os.environ.get("DJANGO_DEBUG", "1") != "0"
ALLOWED_HOSTS = ["localhost", "127.0.0.1"]

INSTALLED_APPS = ["cdn_assets"]
MIDDLEWARE = []
ROOT_URLCONF = "shop.urls"
DATABASES = {}
USE_TZ = True

TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "DIRS": [BASE_DIR / "templates"]}]

# vite-plugin-cdn-deploy's manifest, written by `npx vite build` (see cdn_assets/__init__.py).
CDN_MANIFEST = os.environ.get("CDN_MANIFEST", str(BASE_DIR / "dist"))
CDN_BASE = os.environ.get("CDN_BASE") or None  # e.g. https://assets.example.org
CDN_CROSSORIGIN = "anonymous"
CDN_INTEGRITY = True
