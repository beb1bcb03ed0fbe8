"""/docs and its OAuth2 redirect page under the app's Content-Security-Policy (no inline
script): FastAPI's own Swagger UI page starts the UI from an inline script, this one from
/console/static/swagger-init.js, which reads its settings from a JSON data block (data, not
code: the policy does not apply to it). ReDoc's page has no inline script and is FastAPI's."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from html import escape

from fastapi.openapi.docs import get_swagger_ui_oauth2_redirect_html, swagger_ui_default_parameters
from fastapi.responses import HTMLResponse

from quita.web_security import CONTENT_SECURITY_POLICY


def swagger_ui_html(
    *, title: str, openapi_url: str, oauth2_redirect_url: str, assets: str, init_js: str
) -> HTMLResponse:
    config = {
        "url": openapi_url,
        **swagger_ui_default_parameters,
        # Swagger UI would otherwise show a badge from validator.swagger.io (sending it the
        # document's URL) whenever the host is not localhost.
        "validatorUrl": None,
        "oauth2RedirectPath": oauth2_redirect_url,
    }
    # "</" cannot end the data block early: JSON allows "<\/".
    data = json.dumps(config).replace("</", "<\\/")
    return HTMLResponse(f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link type="text/css" rel="stylesheet" href="{escape(assets)}/swagger-ui.css">
<link rel="shortcut icon" href="{escape(assets)}/favicon.png">
<title>{escape(title)}</title>
</head>
<body>
<div id="swagger-ui"></div>
<script type="application/json" id="swagger-config">{data}</script>
<script src="{escape(assets)}/swagger-ui-bundle.js"></script>
<script src="{escape(init_js)}"></script>
</body>
</html>
""")


def oauth2_redirect_html() -> HTMLResponse:
    """FastAPI's redirect page as it is, its one inline script allowed by its hash (only the
    authorization-code and implicit flows open it; the API's password flow never does)."""
    page = get_swagger_ui_oauth2_redirect_html()
    body = page.body.decode()
    scripts = re.findall(r"<script>(.*?)</script>", body, flags=re.DOTALL)
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'"
        for s in scripts
    )
    policy = CONTENT_SECURITY_POLICY.replace("script-src 'self'", f"script-src 'self' {hashes}")
    return HTMLResponse(body, headers={"Content-Security-Policy": policy})
