"""Base classes of the read-only REST API (`/api/v1/`): scoped viewsets, pagination in a stable
order, per-token throttling and the filters every resource shares. Domain-free: each domain
app's `api/` package builds its resources on these, and config/api.py collects their routes."""
