"""Dashboards: the project-level composition of every domain's figures (no models of its own)."""
