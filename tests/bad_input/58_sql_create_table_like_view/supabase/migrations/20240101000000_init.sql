create table accounts (id uuid primary key, email text not null unique);
create view account_emails as select id, lower(email) as email from accounts;
create table users (like account_emails including all);
