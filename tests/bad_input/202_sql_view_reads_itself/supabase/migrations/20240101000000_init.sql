create table public.t (a int);
create view public.v1 as select a from public.t;
create view public.v2 as select a from public.v1;
create or replace view public.v1 as select a from public.v2;
