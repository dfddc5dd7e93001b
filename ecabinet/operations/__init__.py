"""What an operator runs beside the server: backups, restores, storage and audit checks,
and the arithmetic of database connections."""
