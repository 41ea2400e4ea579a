create table users (id uuid primary key, email text not null unique);
alter table users add constraint users_email_key unique (email);
