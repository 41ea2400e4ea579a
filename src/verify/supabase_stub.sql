-- The Supabase stub `schemagen verify` loads into a scratch database that has no `auth`
-- schema (a plain PostgreSQL): just enough of a Supabase database's shape for migrations to
-- apply (auth.users foreign keys, policies calling auth.uid(), storage policies, the anon,
-- authenticated and service_role roles, the supabase_realtime publication). It imitates
-- shapes, not behaviour. The tests load it too (tests/support/mod.rs), into the template
-- database every test database is copied from.
--
-- Idempotent, so a database that holds part of it gets the rest. Roles are cluster-wide:
-- each is created only when absent, so on a server that has them the connecting role needs
-- no CREATEROLE. An extension whose files are not installed is left out with a notice: the
-- migrations that need it then fail with PostgreSQL's own message.

\set ON_ERROR_STOP 1
set client_min_messages = warning;

do $stub$
declare
  r text;
begin
  foreach r in array array['anon', 'authenticated', 'service_role'] loop
    if not exists (select from pg_catalog.pg_roles where rolname = r) then
      begin
        execute format('create role %I nologin noinherit', r);
      exception when duplicate_object or unique_violation then
        null; -- created meanwhile by another session
      end;
    end if;
  end loop;
  -- As on Supabase, service_role bypasses row-level security; only a superuser may say so.
  if (select rolsuper from pg_catalog.pg_roles where rolname = current_user)
     and not (select rolbypassrls from pg_catalog.pg_roles where rolname = 'service_role') then
    begin
      alter role service_role bypassrls;
    exception when others then
      null; -- set meanwhile by another session ("tuple concurrently updated")
    end;
  end if;
end
$stub$;

create schema if not exists auth;
create schema if not exists storage;
create schema if not exists extensions;

do $stub$
declare
  x text;
begin
  foreach x in array array['pgcrypto', 'uuid-ossp', 'pg_stat_statements'] loop
    begin
      execute format('create extension if not exists %I with schema extensions', x);
    exception when undefined_file then
      raise notice 'extension % is not installed on this server', x;
    end;
  end loop;
  execute format('alter database %I set search_path to "$user", public, extensions', current_database());
end
$stub$;
set search_path to "$user", public, extensions;

grant usage on schema public, auth, storage, extensions to anon, authenticated, service_role;

-- Supabase's platform default privileges: what the migration role creates in public is
-- granted to the API roles, and row level security decides what they see. schemagen's
-- model starts from the same defaults (src/model/privileges.rs).
alter default privileges in schema public grant all on tables to anon, authenticated, service_role;
alter default privileges in schema public grant all on functions to anon, authenticated, service_role;
alter default privileges in schema public grant all on sequences to anon, authenticated, service_role;

create table if not exists auth.users (
  instance_id uuid,
  id uuid primary key,
  aud text,
  role text,
  email text,
  encrypted_password text,
  email_confirmed_at timestamptz,
  last_sign_in_at timestamptz,
  raw_app_meta_data jsonb,
  raw_user_meta_data jsonb,
  is_super_admin boolean,
  phone text,
  created_at timestamptz default now(),
  updated_at timestamptz default now(),
  deleted_at timestamptz,
  is_anonymous boolean not null default false
);
create index if not exists users_email_idx on auth.users (email);

-- The claims of the current request, as PostgREST sets them: `request.jwt.claims` holds the
-- whole JWT payload as JSON; older versions set one `request.jwt.claim.<name>` per claim.
create or replace function auth.jwt() returns jsonb
language sql stable as $fn$
  select coalesce(
    nullif(current_setting('request.jwt.claims', true), ''),
    nullif(current_setting('request.jwt.claim', true), ''),
    '{}'
  )::jsonb
$fn$;

create or replace function auth.uid() returns uuid
language sql stable as $fn$
  select coalesce(
    nullif(current_setting('request.jwt.claim.sub', true), ''),
    nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub'
  )::uuid
$fn$;

create or replace function auth.role() returns text
language sql stable as $fn$
  select coalesce(
    nullif(current_setting('request.jwt.claim.role', true), ''),
    nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role'
  )::text
$fn$;

create or replace function auth.email() returns text
language sql stable as $fn$
  select coalesce(
    nullif(current_setting('request.jwt.claim.email', true), ''),
    nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'email'
  )::text
$fn$;

grant execute on function auth.jwt(), auth.uid(), auth.role(), auth.email()
  to anon, authenticated, service_role;

create table if not exists storage.buckets (
  id text primary key,
  name text not null,
  owner uuid,
  public boolean default false,
  file_size_limit bigint,
  allowed_mime_types text[],
  created_at timestamptz default now(),
  updated_at timestamptz default now()
);
create unique index if not exists buckets_name_key on storage.buckets (name);

create table if not exists storage.objects (
  id uuid primary key default gen_random_uuid(),
  bucket_id text references storage.buckets (id),
  name text,
  owner uuid,
  metadata jsonb,
  path_tokens text[] generated always as (string_to_array(name, '/')) stored,
  version text,
  created_at timestamptz default now(),
  updated_at timestamptz default now(),
  last_accessed_at timestamptz default now()
);
create unique index if not exists objects_bucket_id_name_key on storage.objects (bucket_id, name);

alter table storage.buckets enable row level security;
alter table storage.objects enable row level security;

grant all on storage.buckets, storage.objects to anon, authenticated, service_role;

-- 'a/b/c.png' -> {a,b}
create or replace function storage.foldername(name text) returns text[]
language sql immutable as $fn$
  select (string_to_array(name, '/'))[1:coalesce(array_length(string_to_array(name, '/'), 1), 1) - 1]
$fn$;

-- 'a/b/c.png' -> 'c.png'
create or replace function storage.filename(name text) returns text
language sql immutable as $fn$
  select (string_to_array(name, '/'))[array_length(string_to_array(name, '/'), 1)]
$fn$;

-- 'a/b/c.png' -> 'png'
create or replace function storage.extension(name text) returns text
language sql immutable as $fn$
  select case when storage.filename(name) like '%.%'
              then split_part(storage.filename(name), '.', -1) end
$fn$;

grant execute on function storage.foldername(text), storage.filename(text), storage.extension(text)
  to anon, authenticated, service_role;

-- Migrations often run `alter publication supabase_realtime add table …`.
do $stub$
begin
  if not exists (select from pg_catalog.pg_publication where pubname = 'supabase_realtime') then
    create publication supabase_realtime;
  end if;
end
$stub$;
