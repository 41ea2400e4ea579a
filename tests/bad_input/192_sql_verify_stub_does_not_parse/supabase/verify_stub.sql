create schema vault;
create tabel vault.secrets (id uuid primary key);
