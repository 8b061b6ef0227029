"""The deadlines app's resources in the REST API: obligations (who must do what, by when, and
whether it was met)."""
