"""The verification app's resources in the REST API: verification results (one per assignment
of a unit's annual report, with the confirmed figures per facility), the verification
institutions, and the provinces' evaluations of them."""
