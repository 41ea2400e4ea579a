create table users (id uuid primary key, email text not null unique);
create function touch() returns trigger language plpgsql as $$
begin
  return new;
end;
