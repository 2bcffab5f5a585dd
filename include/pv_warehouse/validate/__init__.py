"""Great Expectations: the suites runner and the offline Data Docs views."""
