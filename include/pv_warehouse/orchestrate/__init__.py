"""Airflow: the nightly DAG's task functions, local runs, progress, notifications."""
