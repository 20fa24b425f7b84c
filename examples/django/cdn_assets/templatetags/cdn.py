"""``{% load cdn %}``: the manifest's URLs and tags in templates.

Tags return HTML marked safe (attribute values are escaped when the tag is built);
``cdn_asset_url`` and ``cdn_release`` return plain text, which Django escapes as usual.
Each also stores its result with ``as``: ``{% cdn_asset_url 'logo.svg' as logo %}``.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from django import template
from django.utils.safestring import SafeString, mark_safe

from cdn_assets import get_assets

register = template.Library()


@register.simple_tag
def cdn_entry_tags(*srcs: str) -> SafeString:
    """Stylesheets, modulepreloads and ``<script type="module">`` of one or more entries, with SRI."""
    return mark_safe(get_assets().tags(*srcs))


@register.simple_tag
def cdn_entry(*srcs: str) -> Dict[str, List[Dict[str, str]]]:
    """``{scripts, styles, modulepreloads}`` for your own markup: ``{% cdn_entry 'src/main.ts' as e %}``."""
    return get_assets().entry(*srcs)


@register.simple_tag
def cdn_asset_url(src: str) -> str:
    """CDN URL of an entry key (``src/main.ts``), an output file or a public file (``logo.svg``)."""
    return get_assets().url(src)


@register.simple_tag
def cdn_preload(src: str, as_: Optional[str] = None) -> SafeString:
    """``<link rel="preload">``; ``as`` (second argument) is guessed from the content type when omitted."""
    return mark_safe(get_assets().preload(src, as_))


@register.simple_tag
def cdn_dns_prefetch(host: Optional[str] = None) -> SafeString:
    """``<link rel="dns-prefetch">`` for the CDN (or ``host``)."""
    return mark_safe(get_assets().dns_prefetch(host))


@register.simple_tag
def cdn_preconnect(host: Optional[str] = None) -> SafeString:
    """``<link rel="preconnect" crossorigin>`` for the CDN (or ``host``)."""
    return mark_safe(get_assets().preconnect(host))


@register.simple_tag
def cdn_release() -> Any:
    """The release id of the manifest (``20261124T000258Z-4ebe29b4``)."""
    return get_assets().release
