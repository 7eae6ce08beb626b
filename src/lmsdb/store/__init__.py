"""The database: schema, engines, migrations, locks and the objects revisions share."""
