create table public.notes (id integer);
create or replace view public.notes as select 1 as id;
