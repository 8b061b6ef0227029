"""The units app's resources in the REST API: provinces, industries, key emission units with
their facilities and emissions, and the published lists with their entries."""
