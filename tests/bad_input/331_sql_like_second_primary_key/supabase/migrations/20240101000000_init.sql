create table public.orders (id bigint primary key, note text);
-- The copy has a key of its own, and INCLUDING ALL copies the source's: PostgreSQL refuses
-- a second primary key.
create table public.order_history (
  version bigint generated always as identity primary key,
  like public.orders including all
);
