"""Reading from the database: ad-hoc SQL, search, stats, show, introspection."""
