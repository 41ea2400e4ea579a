create table users (id uuid primary key, email text not null unique);
copy users (id, email) from stdin;
6d1c2a4e-0000-4000-8000-000000000001	a@example.com
\.
