create table users (id uuid primary key, email text not null unique);
comment on table users is 'Who signs in;
