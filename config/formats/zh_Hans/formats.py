# Emission figures in bureau tables are grouped by thousands with commas, as in MEE documents;
# Django's zh_Hans default has no separator, which makes seven-digit tonnages hard to read.
from django.conf.locale.zh_Hans.formats import *  # noqa: F403

THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
