create table public.notes (id integer);
create view public.note_ids as select id from public.notes;
create view public.note_ids as select id from public.notes where id > 0;
