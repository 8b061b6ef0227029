"""The quotas app's read-only REST API (mounted by config/api.py)."""
