create table events (region text);
create table events_eu (region text);
alter table events attach partition events_eu for values in ('eu');
