"""pv-warehouse: the pharmacovigilance warehouse package."""
