"""dbt: the Cosmos operators that build the project and its docs site, and the dbt-duckdb plugin."""
