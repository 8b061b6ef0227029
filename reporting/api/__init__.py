"""The reporting app's resources in the REST API: monthly certifications, annual reports and
data quality control plans (submitted versions; a draft only to its own enterprise), and the
evidence files and attachments with their SHA-256, size and a scoped download."""
