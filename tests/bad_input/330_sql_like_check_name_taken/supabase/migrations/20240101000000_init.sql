create table public.orders (id bigint primary key, quantity integer constraint positive check (quantity > 0));
-- The copy's own CHECK takes the name of the one INCLUDING CONSTRAINTS copies: PostgreSQL
-- refuses the second.
create table public.order_lines (
  units integer constraint positive check (units > 0),
  like public.orders including constraints
);
