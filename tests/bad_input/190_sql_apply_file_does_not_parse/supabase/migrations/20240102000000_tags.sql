-- a typo in the second file: nothing is applied, not even the first
create table tags (
  id bigint primary key,
  name text not null
;
