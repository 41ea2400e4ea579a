create table public.notes (id integer check (id > 0));
alter table public.notes alter constraint notes_id_check deferrable;
