-- Run by tests/corpus.rs on a fresh test database (which already holds the project's stub,
-- src/verify/supabase_stub.sql) BEFORE ../shared/pg/supabase-stub.sql and
-- supabase-stub-extras.sql.
--
-- The two stubs mostly coexist (roles, schemas, extensions, the supabase_realtime
-- publication are created only when absent; auth.*() and storage.*() functions are CREATE OR
-- REPLACE), except for the platform tables: the shared stub creates auth.users,
-- storage.buckets and storage.objects with IF NOT EXISTS and more columns (storage.objects
-- .owner_id, auth.users.is_sso_user, ...) that the corpus migrations use, so with the project
-- stub loaded first its narrower tables would win and e.g. chatbot-ui's storage policies
-- fail with `column "owner_id" does not exist`. Dropping the project stub's three tables here
-- lets the shared stub create them with Supabase's columns. Nothing of the corpus exists yet,
-- and the catalog (tests/pg/catalog.sql) does not list auth/storage tables, so this changes
-- only what the corpus can reference.
\set ON_ERROR_STOP 1
set client_min_messages = warning;
drop table if exists storage.objects, storage.buckets, auth.users cascade;
-- Supabase's `public` schema belongs to pg_database_owner and grants USAGE to postgres
-- explicitly (a dump restates it: GRANT USAGE ON SCHEMA "public" TO "postgres"); the project
-- stub leaves postgres out, as the model does (it owns what migrations create).
grant usage on schema public to postgres;
