create table notes (id int);
create table notes_old (id int);
alter table notes_old rename to notes;
