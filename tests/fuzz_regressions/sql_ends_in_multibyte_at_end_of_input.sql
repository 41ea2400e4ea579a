-- Panicked: the end of input was located one byte before the end, inside the last character.
create table notes (id bigint, title text default 'x' || é