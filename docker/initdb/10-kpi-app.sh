#!/bin/sh
# Runs once, as the image's superuser, when the data volume is new (docker-entrypoint-initdb.d).
# Creates the application's plain login role and hands it the database; the app then applies
# drizzle/*.sql itself, as that role, on its first start.
set -eu
psql -X -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v app_role="$KPI_APP_USER" -v app_password="$KPI_APP_PASSWORD" -v app_db="$POSTGRES_DB" \
  -f /kpi-bootstrap/superuser.psql
