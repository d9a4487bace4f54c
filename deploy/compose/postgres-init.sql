-- Creates the three service databases on the compose PostgreSQL's first start
-- (mounted into /docker-entrypoint-initdb.d; the same databases deploy/postgres.sh creates).
-- Each service owns its database and never reads another's tables.
CREATE DATABASE registration OWNER jangkau;
CREATE DATABASE campaigns OWNER jangkau;
CREATE DATABASE metrics OWNER jangkau;
