"""The what-if page: `budget-planner serve`, a local web page where a cap or a rate is moved
and the allocation answers at once.

An application layer above the views and the workbook and below the command line:
`workspace` holds the plan and does the work (no web framework there); `app` is the ASGI
application (Starlette) with its safety checks, and `run` serves it with uvicorn. Starlette and
uvicorn are imported only when a page is served, so `budget-planner --help` stays instant.
See docs/serve.md.
"""
