create function public.touch() returns trigger language plpgsql as $$ begin return new; end $$;
create function public.touch() returns trigger language plpgsql as $$ begin return old; end $$;
