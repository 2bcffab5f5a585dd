"""The benchmark: whole refreshes and their parts as plain processes."""
