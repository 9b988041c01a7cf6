-- B12-K Planner: the site's setup of a shared audit register on PostgreSQL (docs/audit.md).
--
-- Run once, as a superuser, connected to the database that will hold the register:
--
--     createdb b12k_audit
--     psql -v ON_ERROR_STOP=1 -d b12k_audit -f postgres_site.sql
--
-- then, as the admin role, create the tables (and later, after an upgrade, migrate them):
--
--     b12k audit migrate --db "host=SERVER dbname=b12k_audit user=b12k_admin"
--
-- Two roles:
--   b12k_admin        owns the schema and its tables; runs `b12k audit migrate`. Not for daily use.
--   b12k_workstation  what every workstation connects as: it may only SELECT and INSERT.
--                     UPDATE, DELETE and TRUNCATE are not granted, and triggers refuse them as
--                     well (even to the owner), so a record, once written, stays as written.
-- Give people or machines their own login roles and make them members of b12k_workstation
-- (GRANT b12k_workstation TO ward3_pc1;) so that the server's log names who connected.
-- No password is set here: use the site's authentication (pg_hba.conf: cert, gss, scram with a
-- password file per user) and a libpq service name on the workstations (`service=b12k`), so that
-- no password is written in the program's settings.

-- (Roles belong to the whole server: running this file again, or for a second database, keeps them.)
DO $$ BEGIN CREATE ROLE b12k_admin LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
DO $$ BEGIN CREATE ROLE b12k_workstation LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$;

-- Nobody but the admin may create objects where the register lives.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
CREATE SCHEMA b12k_audit AUTHORIZATION b12k_admin;
REVOKE ALL ON SCHEMA b12k_audit FROM PUBLIC;
GRANT USAGE ON SCHEMA b12k_audit TO b12k_workstation;

-- Every table the admin creates there (by `b12k audit migrate`) is readable and insertable by the
-- workstations, and nothing more.
ALTER DEFAULT PRIVILEGES FOR ROLE b12k_admin IN SCHEMA b12k_audit
    REVOKE ALL ON TABLES FROM PUBLIC;
ALTER DEFAULT PRIVILEGES FOR ROLE b12k_admin IN SCHEMA b12k_audit
    GRANT SELECT, INSERT ON TABLES TO b12k_workstation;
