"""CDN URLs and tags in Django templates, from vite-plugin-cdn-deploy's manifest.

A small Django app (add ``"cdn_assets"`` to ``INSTALLED_APPS``) reading
``<outDir>/.vite/cdn-manifest.json``, the JSON the plugin writes on ``vite build``,
and giving templates the helpers the Node runtime gives server code::

    {% load cdn %}
    {% cdn_preconnect %}
    {% cdn_entry_tags 'src/main.ts' %}
    <img src="{% cdn_asset_url 'logo.svg' %}">
    {% cdn_preload 'logo.svg' 'image' %}

Settings:

- ``CDN_MANIFEST`` (required): path of the build's outDir, of its
  ``.vite/cdn-manifest.json``, or an http(s) URL of the manifest
- ``CDN_BASE``: serve the same build from another domain (an origin keeps the
  manifest's path; a URL with a path, or ``/static/``, is used as is)
- ``CDN_CROSSORIGIN``: ``"anonymous"`` (default), ``"use-credentials"``, or ``None``
- ``CDN_INTEGRITY``: put the SRI hashes on tags (default ``True``)
- ``CDN_RELOAD``: re-read the manifest file when it changes (default: ``DEBUG``)

Views can use the same object: ``get_assets().url('logo.svg')``.
"""

from __future__ import annotations

import os
import threading
from typing import Any, Dict

from django.conf import settings
from django.core.signals import setting_changed

from .core import Assets, CdnManifestError, is_http, load_manifest, manifest_path

__all__ = ["Assets", "CdnManifestError", "get_assets", "load_manifest"]

_lock = threading.Lock()
_state: Dict[str, Any] = {"assets": None, "mtime": None}


def get_assets() -> Assets:
    """The Assets for the current settings: loaded on first use, kept, re-read on change with CDN_RELOAD."""
    source = getattr(settings, "CDN_MANIFEST", None)
    if not source:
        raise CdnManifestError("settings.CDN_MANIFEST is not set: point it at the build's outDir (dist), its .vite/cdn-manifest.json or an http(s) URL")
    source = os.fspath(source)
    reload = getattr(settings, "CDN_RELOAD", None)
    reload = settings.DEBUG if reload is None else reload
    with _lock:
        mtime = None
        if reload and not is_http(source):
            try:
                mtime = os.path.getmtime(manifest_path(source))
            except OSError:
                pass  # load_manifest() says what is wrong
        if _state["assets"] is None or (reload and mtime != _state["mtime"]):
            _state["assets"] = Assets(
                load_manifest(source),
                base=getattr(settings, "CDN_BASE", None),
                crossorigin=getattr(settings, "CDN_CROSSORIGIN", "anonymous"),
                integrity=bool(getattr(settings, "CDN_INTEGRITY", True)),
            )
            _state["mtime"] = mtime
        return _state["assets"]


def _forget(setting: str, **_: Any) -> None:
    """A changed CDN_* setting (override_settings in tests) takes effect on the next render."""
    if setting.startswith("CDN_") or setting == "DEBUG":
        with _lock:
            _state["assets"] = None


setting_changed.connect(_forget)
