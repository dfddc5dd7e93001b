"""The routes of the member's reading room, gathered in one place."""

from __future__ import annotations

from starlette.routing import BaseRoute

from . import api_annotations, api_text, book_download, pages_book, pages_compare, pages_search


def routes() -> list[BaseRoute]:
    return [
        *pages_book.routes(),
        *api_text.routes(),
        *pages_search.routes(),
        *pages_compare.routes(),
        *api_annotations.routes(),
        *book_download.routes(),
    ]
