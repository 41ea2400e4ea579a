create type feeling as (score int, label text);
alter type feeling add attribute score bigint;
