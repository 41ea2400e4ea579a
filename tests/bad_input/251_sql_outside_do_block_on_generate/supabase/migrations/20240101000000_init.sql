create table users (id uuid primary key);
do $$
begin
  execute format('create table %I (id int)', 'audit_' || to_char(now(), 'YYYY'));
end
$$;
