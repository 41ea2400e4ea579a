create table users (id uuid primary key, email text not null unique);
create policy "read own" on users using (id = auth.uid());
create policy "read own" on users using (true);
