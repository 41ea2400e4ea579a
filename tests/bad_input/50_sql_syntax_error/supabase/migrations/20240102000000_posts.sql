create tabel posts (id bigint primary key);
