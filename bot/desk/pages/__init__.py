"""The desk's pages: one module per page, each a Starlette endpoint and its view."""
