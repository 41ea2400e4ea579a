create table public.notes (id integer);
alter table public.notes enable row level security;
create policy "read notes" on public.notes for select using (true);
-- Meant to tighten the policy, but PostgreSQL refuses a second one of the same name.
create policy "read notes" on public.notes for select using (id > 0);
