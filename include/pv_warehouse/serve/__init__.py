"""What people read: the data steward's report, the run summary, analyst SQL and safe CSV exports."""
