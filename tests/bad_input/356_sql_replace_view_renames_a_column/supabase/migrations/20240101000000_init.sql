create table public.profiles (id bigint primary key, full_name text);
create view public.names as select id, full_name from public.profiles;
alter table public.profiles rename column full_name to display_name;
-- The view's column is still called full_name: OR REPLACE cannot rename it.
create or replace view public.names as select id, display_name from public.profiles;
