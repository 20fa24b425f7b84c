"""A Flask app whose pages load their scripts and styles from the CDN.

    npx vite build        # writes dist/.vite/cdn-manifest.json
    flask --app app run   # http://127.0.0.1:5000/
"""

from __future__ import annotations

from typing import Any

from flask import Flask, render_template

from flask_cdn import CdnAssets

cdn = CdnAssets()


def create_app(config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__)
    app.config.from_prefixed_env()  # FLASK_CDN_MANIFEST, FLASK_CDN_BASE, …
    app.config.update(config or {})
    cdn.init_app(app)

    @app.get("/")
    def index() -> str:
        products = [("Notebook", 1250), ("Pencil", 180), ("Eraser", 95)]
        return render_template("index.html", products=products)

    @app.get("/admin")
    def admin() -> str:
        return render_template("admin.html")

    return app


app = create_app()
