create table users (id uuid primary key, email text not null);
create index users_email on users (email);
-- Kept in index order on disk: schemagen does not model CLUSTER.
alter table users cluster on users_email;
