create type mood as enum ('ok', 'sad');
create table notes (id int, m mood);
create type mood as (score int, label text);
