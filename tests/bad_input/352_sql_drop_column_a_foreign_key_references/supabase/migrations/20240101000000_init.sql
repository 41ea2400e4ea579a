create table public.teams (id bigint primary key, name text);
create table public.members (team_id bigint references public.teams (id));
-- The key of teams goes with the column, and the foreign key of members needs it.
alter table public.teams drop column id;
