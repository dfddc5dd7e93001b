"""The thin web layer: middleware, routing helpers, pages and the JSON API."""
