create table public.messages (id bigint primary key);
alter publication supabase_realtime add table public.messages;
alter publication supabase_realtime add table public.messages;
