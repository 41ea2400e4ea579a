create table events (region text) partition by list (region);
create table events_eu partition of events for values in ('eu');
create table events_eu2 partition of events for values in ( 'eu' );
