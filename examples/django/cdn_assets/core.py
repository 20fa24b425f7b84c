"""vite-plugin-cdn-deploy's manifest as URLs and tags, in plain Python (no Django here).

A port of the Node runtime (``vite-plugin-cdn-deploy/runtime``: ``loadManifest`` and
``createAssets``), rule for rule and byte for byte: the same tags, attributes in the
same order, the same escaping, the same error messages (scope ``[django]`` instead of
``[runtime]``). ``test/integration/examples-django.test.ts`` holds it to that.
"""

from __future__ import annotations

import json
import os
import re
from typing import Any, Dict, Iterable, List, Optional, Tuple, Union
from urllib.error import HTTPError
from urllib.parse import urlsplit
from urllib.request import Request, urlopen

SUPPORTED_VERSION = 1
MANIFEST_FILE = ".vite/cdn-manifest.json"
MAX_LISTED = 6

Tag = Dict[str, str]
Attr = Union[str, bool, None]


class CdnManifestError(RuntimeError):
    """The manifest is missing, unreadable, or does not name what was asked for."""

    def __init__(self, message: str):
        super().__init__(f"[cdn-deploy] [django] {message}")


# --- HTML: the Node runtime's escaping (Django's escape() writes &#x27;, not &#39;) ---

_ESCAPES = {"&": "&amp;", '"': "&quot;", "'": "&#39;", "<": "&lt;", ">": "&gt;"}


def escape_attr(value: str) -> str:
    """Escape a value for a double-quoted attribute."""
    return re.sub(r"[&\"'<>]", lambda m: _ESCAPES[m.group()], value)


def _tag(name: str, attrs: List[Tuple[str, Attr]], close: bool = False) -> str:
    """``<name a="v" b>``: ``None``/``False`` values are left out, ``True`` is a bare attribute."""
    out = "".join(f" {k}" if v is True else f' {k}="{escape_attr(v)}"' for k, v in attrs if v is not None and v is not False)
    return f"<{name}{out}>" + (f"</{name}>" if close else "")


# --- Loading ---

def is_http(source: str) -> bool:
    return re.match(r"https?://", source, re.I) is not None


def manifest_path(path: str) -> str:
    """A path without ``.json`` at the end is a build's outDir."""
    return path if path.lower().endswith(".json") else re.sub(r"[\\/]+$", "", path) + "/" + MANIFEST_FILE


def load_manifest(source: Union[str, "os.PathLike[str]"]) -> Dict[str, Any]:
    """Read and check a manifest from an http(s) URL, a ``.json`` path or a build's outDir."""
    source = os.fspath(source)
    if is_http(source):
        try:
            with urlopen(Request(source, headers={"Accept": "application/json"}), timeout=10) as res:
                text = res.read().decode("utf-8")
        except HTTPError as err:
            raise CdnManifestError(f"cannot load {source}: HTTP {err.code}{f' {err.reason}' if err.reason else ''}") from err
        except OSError as err:
            raise CdnManifestError(f"cannot load {source}: {getattr(err, 'reason', err)}") from err
    else:
        source = manifest_path(source)
        try:
            with open(source, encoding="utf-8") as fh:
                text = fh.read()
        except OSError as err:
            hint = " (build first: the plugin writes it as <outDir>/.vite/cdn-manifest.json)" if isinstance(err, FileNotFoundError) else ""
            raise CdnManifestError(f"cannot read {source}: {err}{hint}") from err
    try:
        value = json.loads(text)
    except ValueError as err:
        raise CdnManifestError(f"{source} is not valid JSON ({err})") from err
    return assert_manifest(value, source)


def assert_manifest(value: Any, source: str = "manifest") -> Dict[str, Any]:
    """Check that a parsed JSON value is a manifest this code can read."""
    if not isinstance(value, dict):
        raise CdnManifestError(f"{source} is not a cdn-deploy manifest (expected a JSON object)")
    if value.get("version") != SUPPORTED_VERSION or isinstance(value.get("version"), bool):
        found = 'no "version" field' if "version" not in value else f"version {json.dumps(value['version'], ensure_ascii=False, separators=(',', ':'))}"
        raise CdnManifestError(
            f"{source}: unsupported manifest ({found}; this runtime reads version {SUPPORTED_VERSION}). "
            "Build and read with the same vite-plugin-cdn-deploy version, and pass .vite/cdn-manifest.json, not Vite's .vite/manifest.json"
        )
    problems = [] if isinstance(value.get("base"), str) else ['"base" is not a string']
    problems += [f'"{field}" is not an object' for field in ("entries", "files", "public") if not isinstance(value.get(field), dict)]
    if problems:
        raise CdnManifestError(f"{source} is not a valid cdn-deploy manifest: {'; '.join(problems)}")
    return value


# --- Base URL and origins ---

def _origin(url: Any) -> str:
    """``scheme://host[:port]`` of a urlsplit() result, normalized like WHATWG URL.origin."""
    scheme, host, port = url.scheme.lower(), url.hostname or "", url.port
    host = f"[{host}]" if ":" in host else host
    default = {"http": 80, "https": 443}.get(scheme)
    return f"{scheme}://{host}" + (f":{port}" if port is not None and port != default else "")


def resolve_base(manifest_base: str, override: Optional[str]) -> str:
    """An origin alone keeps the manifest base's path; a URL with a path, or ``/static/``, is used as is."""
    if not override:
        return manifest_base
    if override.startswith("/") and not override.startswith("//"):
        return re.sub(r"/*$", "/", override, count=1)
    try:
        url = urlsplit("https:" + override if override.startswith("//") else override)
        url.port  # raises on a bad port
    except ValueError:
        url = None
    if url is None or not url.scheme or not url.hostname:
        raise CdnManifestError(f'base "{override}" is not an absolute URL or a root-relative path (e.g. "https://cdn2.example.com" or "/static/")')
    if url.scheme.lower() not in ("http", "https"):
        raise CdnManifestError(f'base "{override}" must be an http(s) URL')
    if url.query or url.fragment:
        raise CdnManifestError(f'base "{override}" must not have a query or fragment')
    path = url.path if url.path not in ("", "/") else urlsplit(manifest_base).path
    return _origin(url) + re.sub(r"/*$", "/", path, count=1)


def origin_of(base: str) -> Optional[str]:
    """The origin of an absolute base; ``None`` for a root-relative one (the page's own origin)."""
    return _origin(urlsplit(base)) if is_http(base) else None


def normalize_origin(host: str) -> str:
    """``cdn.example.com``, ``//cdn.example.com`` or ``https://cdn.example.com/x`` → ``https://cdn.example.com``."""
    text = host.strip()
    try:
        url = urlsplit(text if is_http(text) else "https://" + re.sub(r"^//", "", text))
        if url.hostname:
            return _origin(url)
    except ValueError:
        pass
    raise CdnManifestError(f'"{host}" is not a host name or origin (e.g. "cdn.example.com" or "https://cdn.example.com")')


# --- Assets ---

def _normalize_src(src: str) -> str:
    """``./a``, ``/a`` → ``a``: keys and output paths are relative."""
    return re.sub(r"^(\./|/)+", "", src)


def _listed(keys: List[str]) -> str:
    if not keys:
        return "(none)"
    head = ", ".join(f'"{k}"' for k in keys[:MAX_LISTED])
    return f"{head}, … ({len(keys)} in all)" if len(keys) > MAX_LISTED else head


def _similar(src: str, keys: Iterable[str]) -> List[str]:
    """Keys that share the requested file's stem, for a "did you mean"."""
    stem = re.sub(r"\.[^.]*$", "", src[src.rfind("/") + 1:]).lower()
    return [k for k in keys if k[k.rfind("/") + 1:].lower().startswith(stem)][:3] if stem else []


def _guess_as(content_type: str) -> str:
    kind = content_type.split(";")[0].strip().lower()
    if kind == "text/css":
        return "style"
    if kind.endswith("javascript"):
        return "script"
    if kind.startswith("font/") or kind == "application/font-woff":
        return "font"
    for prefix in ("image", "audio", "video"):
        if kind.startswith(prefix + "/"):
            return prefix
    return "track" if kind == "text/vtt" else "fetch"


class Assets:
    """The manifest as URLs and tags: ``createAssets(manifest, {base, crossorigin, integrity})``.

    ``crossorigin`` is ``"anonymous"``, ``"use-credentials"``, or ``None`` to leave it out.
    """

    def __init__(self, manifest: Dict[str, Any], base: Optional[str] = None, crossorigin: Optional[str] = "anonymous", integrity: bool = True):
        self.manifest = assert_manifest(manifest)
        self.release: str = manifest.get("release")  # type: ignore[assignment]
        self.base = resolve_base(manifest["base"], base)
        self.crossorigin = crossorigin or None
        self.integrity = integrity

    def _to_url(self, url: str) -> str:
        mbase = self.manifest["base"]
        return self.base + url[len(mbase):] if self.base != mbase and url.startswith(mbase) else url

    def _sri(self, value: Optional[str]) -> Optional[str]:
        return value if self.integrity and value else None

    def _unknown(self, what: str, src: str, keys: List[str]) -> CdnManifestError:
        hint = _similar(src, keys)
        return CdnManifestError(
            f'unknown {what} "{src}" in release {self.release}{f" (did you mean {_listed(hint)}?)" if hint else ""}. '
            f"Known entries: {_listed(list(self.manifest['entries']))}; files: {_listed(list(self.manifest['files']))}"
        )

    def _entry_record(self, src: str) -> Optional[Dict[str, Any]]:
        entries = self.manifest["entries"]
        return entries.get(_normalize_src(src)) or entries.get(src)

    def file(self, src: str) -> Dict[str, Any]:
        """The manifest record of an entry's file, an output file or a public file."""
        files, key = self.manifest["files"], _normalize_src(src)
        entry = self._entry_record(src)
        hashed = self.manifest["public"].get(key)
        rel = entry["file"] if entry else hashed if hashed is not None and files.get(hashed) else key if files.get(key) else None
        record = files.get(rel) if rel is not None else None
        if not record:
            raise self._unknown("asset", src, [*self.manifest["entries"], *files])
        return record

    def url(self, src: str) -> str:
        """Absolute URL of an entry key (``src/main.ts``), an output file or a public file."""
        entry = self._entry_record(src)
        return self._to_url(entry["url"] if entry else self.file(src)["url"])

    def entry(self, *srcs: str) -> Dict[str, List[Tag]]:
        """``{scripts, styles, modulepreloads}`` for entries: imports walked depth-first, dependencies first, deduplicated."""
        entries, files = self.manifest["entries"], self.manifest["files"]
        result: Dict[str, List[Tag]] = {"scripts": [], "styles": [], "modulepreloads": []}
        seen_chunks: set = set()
        seen_css: set = set()
        script_keys: set = set()

        def tag(first: Tuple[str, str], integrity: Optional[str]) -> Tag:
            out = dict([first])
            if self._sri(integrity):
                out["integrity"] = integrity  # type: ignore[assignment]
            if self.crossorigin:
                out["crossorigin"] = self.crossorigin
            return out

        def add_css(rel: str) -> None:
            if rel in seen_css:
                return
            seen_css.add(rel)
            record = files.get(rel)
            if not record:
                raise CdnManifestError(f'manifest lists CSS "{rel}" but has no file for it (a corrupted manifest?)')
            result["styles"].append(tag(("href", self._to_url(record["url"])), record.get("integrity")))

        def walk(chunk: Dict[str, Any]) -> None:
            for key in chunk["imports"]:
                if key in seen_chunks:
                    continue
                seen_chunks.add(key)
                imported = entries.get(key)
                if imported:
                    walk(imported)
                    for css in imported["css"]:
                        add_css(css)
                    sri = imported.get("integrity") or (files.get(imported["file"]) or {}).get("integrity")
                    result["modulepreloads"].append(tag(("href", self._to_url(imported["url"])), sri))
                elif files.get(key):
                    result["modulepreloads"].append(tag(("href", self._to_url(files[key]["url"])), files[key].get("integrity")))
                else:
                    raise CdnManifestError(f'manifest: "{key}" is imported but has no entry or file (a corrupted manifest?)')

        for src in srcs:
            key = src if entries.get(src) else _normalize_src(src)
            chunk = entries.get(key)
            if not chunk:
                raise self._unknown("entry", src, list(entries))
            seen_chunks.add(key)
            walk(chunk)
            for css in chunk["css"]:
                add_css(css)
            if chunk["file"].lower().endswith(".css"):
                add_css(chunk["file"])  # a CSS-only entry
            elif key not in script_keys:
                script_keys.add(key)
                script = tag(("src", self._to_url(chunk["url"])), chunk.get("integrity"))
                result["scripts"].append({"src": script.pop("src"), "type": "module", **script})
        # A chunk that is also an entry asked for here loads as a script, not twice.
        script_urls = {s["src"] for s in result["scripts"]}
        result["modulepreloads"] = [m for m in result["modulepreloads"] if m["href"] not in script_urls]
        return result

    def tags(self, *srcs: str) -> str:
        """``entry()`` as HTML: stylesheets, then modulepreloads, then module scripts, one per line."""
        e = self.entry(*srcs)
        link = lambda rel, t: _tag("link", [("rel", rel), ("href", t["href"]), ("integrity", t.get("integrity")), ("crossorigin", t.get("crossorigin"))])
        return "\n".join(
            [link("stylesheet", s) for s in e["styles"]]
            + [link("modulepreload", m) for m in e["modulepreloads"]]
            + [_tag("script", [("type", "module"), ("src", s["src"]), ("integrity", s.get("integrity")), ("crossorigin", s.get("crossorigin"))], close=True) for s in e["scripts"]]
        )

    def preload(self, src: str, as_: Optional[str] = None) -> str:
        """``<link rel="preload">`` for a file; ``as`` is guessed from its content type when omitted."""
        record = self.file(src)
        kind = as_ if as_ is not None else _guess_as(record["contentType"])
        ctype = record["contentType"].split(";")[0].strip()
        # Fonts and fetches are always CORS requests: the preload must be one too or it is wasted.
        cors = (self.crossorigin or "anonymous") if kind in ("font", "fetch") else self.crossorigin if kind in ("script", "style") else None
        return _tag("link", [
            ("rel", "preload"),
            ("href", self.url(src)),
            ("as", kind),
            ("type", ctype if kind in ("font", "image") else None),
            ("integrity", self._sri(record.get("integrity")) if kind in ("script", "style", "fetch") else None),
            ("crossorigin", cors),
        ])

    def _origin_for(self, host: Optional[str]) -> Optional[str]:
        return origin_of(self.base) if host is None else normalize_origin(host)

    def dns_prefetch(self, host: Optional[str] = None) -> str:
        """``<link rel="dns-prefetch">``; ``""`` when the assets are served from the page's origin."""
        origin = self._origin_for(host)
        return _tag("link", [("rel", "dns-prefetch"), ("href", origin)]) if origin else ""

    def preconnect(self, host: Optional[str] = None) -> str:
        """``<link rel="preconnect">`` (with ``crossorigin``, which module scripts and fonts need)."""
        origin = self._origin_for(host)
        return _tag("link", [("rel", "preconnect"), ("href", origin), ("crossorigin", self.crossorigin)]) if origin else ""
