"""What every stage shares: settings, the build database, pseudonymisation, failpoints, the home's lock and run
records, the study's parameters."""
