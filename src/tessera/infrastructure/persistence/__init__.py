"""SQLAlchemy persistence for PostgreSQL and SQLite: tables, repositories, readers, migrations."""
