create type mood as enum ('ok', 'sad');
create type feeling as (score int, label text);
alter type mood rename to feeling;
