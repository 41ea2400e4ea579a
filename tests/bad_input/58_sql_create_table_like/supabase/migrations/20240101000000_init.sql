create table accounts (id uuid primary key, email text not null unique);
create table users (like accounts including all);
