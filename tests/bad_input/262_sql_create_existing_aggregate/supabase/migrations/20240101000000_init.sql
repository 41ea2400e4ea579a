create table notes (id int);
create aggregate total(int) (sfunc = int4pl, stype = int);
create aggregate total(integer) (sfunc = int4pl, stype = int, initcond = '0');
