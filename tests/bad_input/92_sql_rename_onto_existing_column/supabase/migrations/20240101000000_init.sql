create table notes (id int, body text, title text);
alter table notes rename column title to body;
