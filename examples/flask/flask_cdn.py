"""CDN URLs and tags in Jinja templates, from vite-plugin-cdn-deploy's manifest.

A small Flask extension reading ``<outDir>/.vite/cdn-manifest.json`` (the JSON the
plugin writes on ``vite build``) and giving templates the helpers the Node runtime
(``vite-plugin-cdn-deploy/runtime``) gives server code::

    {{ cdn_preconnect() }}
    {{ cdn_entry_tags('frontend/main.js') }}
    <img src="{{ cdn_asset_url('logo.svg') }}">
    {{ cdn_preload('logo.svg', 'image') }}

Config (``app.config``):

- ``CDN_MANIFEST``: path or http(s) URL of the manifest
  (default ``<app.root_path>/dist/.vite/cdn-manifest.json``; a directory means an outDir)
- ``CDN_BASE``: serve the same build from another domain (an origin keeps the
  manifest's path; a URL with a path, or ``/static/``, is used as is)
- ``CDN_CROSSORIGIN``: ``"anonymous"`` (default), ``"use-credentials"`` or ``None``
- ``CDN_INTEGRITY``: put the SRI hashes on tags (default ``True``)
- ``CDN_RELOAD``: re-read the manifest when the file changes (default: ``app.debug``)
"""

from __future__ import annotations

import json
import os
import threading
from typing import Any, Iterable
from urllib.parse import urlsplit
from urllib.request import Request, urlopen

from flask import Flask, current_app
from markupsafe import Markup, escape

SUPPORTED_VERSION = 1
MANIFEST_FILE = os.path.join(".vite", "cdn-manifest.json")


class CdnManifestError(RuntimeError):
    """The manifest is missing, unreadable, or does not name what was asked for."""

    def __init__(self, message: str):
        super().__init__(f"[cdn-deploy] [flask] {message}")


def _is_http(source: str) -> bool:
    return source.lower().startswith(("http://", "https://"))


def load_manifest(source: str) -> dict[str, Any]:
    """Read and check a manifest from a path, an outDir or an http(s) URL."""
    try:
        if _is_http(source):
            with urlopen(Request(source, headers={"Accept": "application/json"}), timeout=10) as res:
                text = res.read().decode("utf-8")
        else:
            if not source.lower().endswith(".json"):
                source = os.path.join(source, MANIFEST_FILE)
            with open(source, encoding="utf-8") as fh:
                text = fh.read()
    except FileNotFoundError as err:
        raise CdnManifestError(f"cannot read {source}: no such file (build first: `npx vite build` writes <outDir>/.vite/cdn-manifest.json)") from err
    except OSError as err:
        raise CdnManifestError(f"cannot read {source}: {err}") from err
    try:
        manifest = json.loads(text)
    except ValueError as err:
        raise CdnManifestError(f"{source} is not valid JSON ({err})") from err
    if not isinstance(manifest, dict) or manifest.get("version") != SUPPORTED_VERSION:
        found = f"version {manifest.get('version')!r}" if isinstance(manifest, dict) and "version" in manifest else 'no "version" field'
        raise CdnManifestError(
            f"{source}: unsupported manifest ({found}; this helper reads version {SUPPORTED_VERSION}). "
            "Pass .vite/cdn-manifest.json, not Vite's .vite/manifest.json"
        )
    for field in ("entries", "files", "public"):
        if not isinstance(manifest.get(field), dict):
            raise CdnManifestError(f'{source} is not a valid cdn-deploy manifest: "{field}" is not an object')
    return manifest


def _resolve_base(manifest_base: str, override: str | None) -> str:
    if not override:
        return manifest_base
    if override.startswith("/") and not override.startswith("//"):
        return override.rstrip("/") + "/"
    url = urlsplit("https:" + override if override.startswith("//") else override)
    if url.scheme not in ("http", "https") or not url.netloc or url.query or url.fragment:
        raise CdnManifestError(f'CDN_BASE "{override}" must be an http(s) URL without query, or a root-relative path like "/static/"')
    path = url.path if url.path not in ("", "/") else urlsplit(manifest_base).path
    return f"{url.scheme}://{url.netloc}{path.rstrip('/')}/"


def _origin(host: str) -> str:
    text = host.strip()
    url = urlsplit(text if _is_http(text) else "https://" + text.lstrip("/"))
    if not url.hostname:
        raise CdnManifestError(f'"{host}" is not a host name or origin (e.g. "cdn.example.com")')
    return f"{url.scheme}://{url.netloc}"


def _attrs(**attrs: Any) -> str:
    out = []
    for name, value in attrs.items():
        if value is None or value is False:
            continue
        name = name.rstrip("_").replace("_", "-")
        out.append(f" {name}" if value is True else f' {name}="{escape(value)}"')
    return "".join(out)


class Assets:
    """The manifest as URLs and tags: the same rules as the Node runtime's createAssets()."""

    def __init__(self, manifest: dict[str, Any], base: str | None = None, crossorigin: str | None = "anonymous", integrity: bool = True):
        self.manifest = manifest
        self.release: str = manifest.get("release", "")
        self.base = _resolve_base(manifest["base"], base)
        self.crossorigin = crossorigin or None
        self.integrity = integrity

    def _url(self, url: str) -> str:
        mbase = self.manifest["base"]
        return self.base + url[len(mbase):] if self.base != mbase and url.startswith(mbase) else url

    def _sri(self, value: str | None) -> str | None:
        return value if self.integrity and value else None

    def _unknown(self, what: str, src: str, keys: Iterable[str]) -> CdnManifestError:
        def listed(items: list[str]) -> str:
            head = ", ".join(f'"{k}"' for k in items[:6])
            return f"{head}, … ({len(items)} in all)" if len(items) > 6 else head or "(none)"

        return CdnManifestError(
            f'unknown {what} "{src}" in release {self.release}. '
            f"Known entries: {listed(list(self.manifest['entries']))}; files: {listed(list(self.manifest['files']))}"
        )

    def file(self, src: str) -> dict[str, Any]:
        """The manifest record of an entry's file, an output file or a public file."""
        key = src.lstrip("/").removeprefix("./")
        entry = self.manifest["entries"].get(key)
        rel = entry["file"] if entry else self.manifest["public"].get(key, key)
        record = self.manifest["files"].get(rel)
        if record is None:
            raise self._unknown("asset", src, [*self.manifest["entries"], *self.manifest["files"]])
        return record

    def url(self, src: str) -> str:
        """Absolute URL of an entry key, an output file or a public file."""
        entry = self.manifest["entries"].get(src.lstrip("/").removeprefix("./"))
        return self._url(entry["url"] if entry else self.file(src)["url"])

    def entry(self, *srcs: str) -> dict[str, list[dict[str, str]]]:
        """scripts, styles and modulepreloads for entries: imports walked depth-first, deduplicated."""
        entries, files = self.manifest["entries"], self.manifest["files"]
        result: dict[str, list[dict[str, str]]] = {"scripts": [], "styles": [], "modulepreloads": []}
        seen_chunks: set[str] = set()
        seen_css: set[str] = set()

        def tag(url: str, sri: str | None, key: str) -> dict[str, str]:
            out = {key: self._url(url)}
            if self._sri(sri):
                out["integrity"] = sri  # type: ignore[assignment]
            if self.crossorigin:
                out["crossorigin"] = self.crossorigin
            return out

        def add_css(rel: str) -> None:
            if rel not in seen_css:
                seen_css.add(rel)
                result["styles"].append(tag(files[rel]["url"], files[rel].get("integrity"), "href"))

        def walk(chunk: dict[str, Any]) -> None:
            for key in chunk["imports"]:
                if key in seen_chunks:
                    continue
                seen_chunks.add(key)
                imported = entries.get(key)
                if imported is None:
                    raise CdnManifestError(f'manifest: "{key}" is imported but has no entry (a corrupted manifest?)')
                walk(imported)  # dependencies first, as Vite orders them
                for css in imported["css"]:
                    add_css(css)
                result["modulepreloads"].append(tag(imported["url"], imported.get("integrity"), "href"))

        for src in srcs:
            key = src if src in entries else src.lstrip("/").removeprefix("./")
            chunk = entries.get(key)
            if chunk is None:
                raise self._unknown("entry", src, entries)
            seen_chunks.add(key)
            walk(chunk)
            for css in chunk["css"]:
                add_css(css)
            if chunk["file"].endswith(".css"):
                add_css(chunk["file"])
            else:
                script = tag(chunk["url"], chunk.get("integrity"), "src")
                if script not in result["scripts"]:
                    result["scripts"].append(script)
        script_urls = {s["src"] for s in result["scripts"]}
        result["modulepreloads"] = [m for m in result["modulepreloads"] if m["href"] not in script_urls]
        return result

    def tags(self, *srcs: str) -> Markup:
        """entry() as HTML: stylesheets, modulepreloads, then module scripts."""
        e = self.entry(*srcs)
        lines = [f"<link{_attrs(rel='stylesheet', **s)}>" for s in e["styles"]]
        lines += [f"<link{_attrs(rel='modulepreload', **m)}>" for m in e["modulepreloads"]]
        lines += [f"<script{_attrs(type='module', **s)}></script>" for s in e["scripts"]]
        return Markup("\n".join(lines))

    def preload(self, src: str, as_: str | None = None) -> Markup:
        """<link rel="preload">; `as` is guessed from the content type when omitted."""
        record = self.file(src)
        ctype = record["contentType"].split(";")[0].strip()
        kind = as_ or (
            "style" if ctype == "text/css" else
            "script" if ctype.endswith("javascript") else
            "font" if ctype.startswith("font/") else
            "image" if ctype.startswith("image/") else "fetch"
        )
        # Fonts and fetches are always CORS requests: without crossorigin the preload is wasted.
        cors = (self.crossorigin or "anonymous") if kind in ("font", "fetch") else self.crossorigin if kind in ("script", "style") else None
        return Markup(f"<link{_attrs(rel='preload', href=self.url(src), as_=kind, type=ctype if kind in ('font', 'image') else None, integrity=self._sri(record.get('integrity')) if kind in ('script', 'style', 'fetch') else None, crossorigin=cors)}>")

    def _host(self, host: str | None) -> str | None:
        if host is not None:
            return _origin(host)
        return _origin(self.base) if _is_http(self.base) else None

    def dns_prefetch(self, host: str | None = None) -> Markup:
        origin = self._host(host)
        return Markup(f"<link{_attrs(rel='dns-prefetch', href=origin)}>" if origin else "")

    def preconnect(self, host: str | None = None) -> Markup:
        origin = self._host(host)
        return Markup(f"<link{_attrs(rel='preconnect', href=origin, crossorigin=self.crossorigin)}>" if origin else "")


class CdnAssets:
    """The Flask extension: ``CdnAssets(app)`` or ``cdn = CdnAssets(); cdn.init_app(app)``."""

    def __init__(self, app: Flask | None = None):
        self._lock = threading.Lock()
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        app.config.setdefault("CDN_MANIFEST", os.path.join(app.root_path, "dist", MANIFEST_FILE))
        app.config.setdefault("CDN_BASE", None)
        app.config.setdefault("CDN_CROSSORIGIN", "anonymous")
        app.config.setdefault("CDN_INTEGRITY", True)
        app.config.setdefault("CDN_RELOAD", None)
        app.extensions["cdn_assets"] = {"ext": self, "assets": None, "mtime": None}
        app.jinja_env.globals.update(
            cdn_asset_url=lambda src: self.assets.url(src),
            cdn_entry_tags=lambda *srcs: self.assets.tags(*srcs),
            cdn_preload=lambda src, as_=None: self.assets.preload(src, as_),
            cdn_dns_prefetch=lambda host=None: self.assets.dns_prefetch(host),
            cdn_preconnect=lambda host=None: self.assets.preconnect(host),
            cdn_release=lambda: self.assets.release,
        )

    @property
    def assets(self) -> Assets:
        """The current app's Assets, loaded on first use (and again when the file changes, with CDN_RELOAD)."""
        app = current_app
        state = app.extensions["cdn_assets"]
        source = str(app.config["CDN_MANIFEST"])
        reload = app.debug if app.config["CDN_RELOAD"] is None else app.config["CDN_RELOAD"]
        with self._lock:
            mtime = None
            if reload and not _is_http(source):
                path = source if source.lower().endswith(".json") else os.path.join(source, MANIFEST_FILE)
                mtime = os.path.getmtime(path) if os.path.exists(path) else None
            if state["assets"] is None or (reload and mtime != state["mtime"]):
                state["assets"] = Assets(
                    load_manifest(source),
                    base=app.config["CDN_BASE"],
                    crossorigin=app.config["CDN_CROSSORIGIN"],
                    integrity=bool(app.config["CDN_INTEGRITY"]),
                )
                state["mtime"] = mtime
            return state["assets"]
