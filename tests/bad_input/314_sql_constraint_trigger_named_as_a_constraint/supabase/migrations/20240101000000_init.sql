create table public.notes (id integer constraint notes_checked check (id > 0));
create function public.check_note() returns trigger language plpgsql as $$begin return null; end;$$;
create constraint trigger notes_checked after insert on public.notes
  for each row execute function public.check_note();
