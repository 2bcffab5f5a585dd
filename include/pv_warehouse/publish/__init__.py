"""Publication: the atomic publish and rollback of analytics.duckdb, and the fingerprint of the inputs it was
built from."""
