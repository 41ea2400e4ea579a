create table public.posts (id integer primary key, title text);
create view public.titles as select id, title from public.posts;
-- The view reads id: PostgreSQL refuses to change its type while the view exists.
alter table public.posts alter column id type bigint;
