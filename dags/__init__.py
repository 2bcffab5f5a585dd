"""The Airflow DAG folder (a package only so that import-linter can check what the DAG file imports)."""
