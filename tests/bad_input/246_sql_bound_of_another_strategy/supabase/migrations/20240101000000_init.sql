create table events (region text) partition by list (region);
create table events_a partition of events for values from ('a') to ('m');
