"""``GET /pdf-page?doc=DOC_ID&page=N[&scale=S]``: a page of a PDF document as PNG, for the viewer's page view.

Rendering is ``search.page_view`` (bounded scale, a small cache, only files the index lists); here it
is served: 404 with a plain message for an unknown document, a document not from a PDF or a page
outside the file; behind the app's login when ``PLANQA_PASSWORD`` is set, as Gradio's own routes are.
"""

# no ``from __future__ import annotations``: FastAPI reads the route's parameter types (``Request`` is
# imported where the route is made) from the evaluated annotations
from typing import Any

from search.page_view import DEFAULT_SCALE, PageNotFound, render_page

ROUTE = "/pdf-page"


def page_url(doc_id: str, page: int) -> str:
    """The image address the viewer uses (relative, so it works under a proxy's path prefix too)."""
    from urllib.parse import urlencode

    return f"{ROUTE.lstrip('/')}?{urlencode({'doc': doc_id, 'page': page})}"


def _signed_in(app: Any, request: Any) -> bool:
    """Gradio's login check (``gradio.routes``' ``login_check``): no login set up, or a valid session cookie."""
    if getattr(app, "auth", None) is None and getattr(app, "auth_dependency", None) is None:
        return True
    if getattr(app, "auth_dependency", None) is not None:
        return app.auth_dependency(request) is not None
    cookie = app.cookie_id
    token = request.cookies.get(f"access-token-{cookie}") or request.cookies.get(f"access-token-unsecure-{cookie}")
    return app.tokens.get(token) is not None


def add_page_route(demo: Any, source: Any) -> None:
    """Serve ``ROUTE`` on the launched app; ``source`` is the engine, or a holder with ``.current``."""
    from fastapi import Request
    from fastapi.responses import PlainTextResponse, Response

    def pdf_page(request: Request, doc: str = "", page: int = 0, scale: float = DEFAULT_SCALE) -> Response:
        if not _signed_in(demo.app, request):
            return PlainTextResponse("sign in first", status_code=401)
        engine = source.current if hasattr(source, "current") else source
        try:
            png = render_page(engine, doc, page, scale)
        except PageNotFound as exc:
            return PlainTextResponse(str(exc), status_code=404)
        return Response(png, media_type="image/png", headers={"Cache-Control": "private, max-age=600"})

    demo.app.add_api_route(ROUTE, pdf_page, methods=["GET"])
    # Starlette matches routes in order; gradio's catch-alls come first unless this one is moved up
    demo.app.router.routes.insert(0, demo.app.router.routes.pop())
