create table users (id uuid primary key, email text not null unique);
create index users_email_idx on users (email);
create index users_email_idx on users (lower(email));
