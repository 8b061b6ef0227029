from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import OpenApiParameter


class AutoSchema(SpectacularAutoSchema):
    """drf-spectacular's schema, with each path's lookup parameter typed and described by the
    viewset (`lookup_schema_type`, `lookup_description`) instead of left bare."""

    def get_override_parameters(self):
        parameters = super().get_override_parameters()
        name = getattr(self.view, "lookup_url_kwarg", None) or getattr(
            self.view, "lookup_field", None
        )
        description = getattr(self.view, "lookup_description", None)
        if name and description and f"{{{name}}}" in self.path:
            lookup = OpenApiParameter(
                name,
                self.view.lookup_schema_type,
                OpenApiParameter.PATH,
                required=True,
                description=description,
                pattern=getattr(self.view, "lookup_schema_pattern", None),
            )
            parameters = [*parameters, lookup]
        return parameters
