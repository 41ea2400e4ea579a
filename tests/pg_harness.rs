//! Smoke test of the real-PostgreSQL harness in tests/support.

mod support;

use support::{assert_catalog_eq, catalog_diff, server};

#[test]
fn column_order_does_not_matter_and_differences_show() {
    let pg = server();
    let one = pg.fresh_db();
    let two = pg.fresh_db();
    let three = pg.fresh_db();
    assert_ne!(one.name, two.name);

    one.apply("create table t (b int, a text not null default 'x'); create index on t(a);").unwrap();
    two.apply("create table t (a text not null default 'x', b int); create index on t(a);").unwrap();
    three.apply("create table t (a text, b bigint); create index on t(b);").unwrap();

    let c1 = one.catalog();
    let c2 = two.catalog();
    assert_catalog_eq(&c1, &c2, "same table, columns in another order");
    assert!(c1.lines().any(|l| l.starts_with("table public.t ")), "{c1}");
    assert!(c1.contains("column public.t.a type=text notnull=true default='x'::text"), "{c1}");
    assert!(c1.contains("index public.t t_a_idx CREATE INDEX t_a_idx ON public.t USING btree (a)"), "{c1}");
    // Deterministic: asking again gives the same text.
    assert_eq!(c1, one.catalog());

    let c3 = three.catalog();
    assert_ne!(c1, c3);
    let msg = catalog_diff(&c1, &c3).expect("different catalogs must not compare equal");
    assert!(msg.contains("only in left") && msg.contains("t_b_idx"), "{msg}");
}

#[test]
fn apply_reports_errors_and_allows_transactions_and_concurrent_indexes() {
    let db = server().fresh_db();
    let err = db.apply("create tabel oops (id int);").unwrap_err();
    assert!(err.contains("syntax error"), "{err}");

    // Statements after a failing one are not run.
    let err = db.apply("create table x (id int); select 1/0; create table y (id int);").unwrap_err();
    assert!(err.contains("division by zero"), "{err}");
    assert_eq!(db.query("select count(*) from pg_class where relname = 'y'").unwrap(), "0");

    db.apply(
        "begin;\ncreate table z (id int primary key, v text);\ncommit;\n\
         create index concurrently z_v on z (v);\n\
         insert into z values (1, 'a'), (2, null)",
    )
    .unwrap();
    assert_eq!(db.query("select id, v from z order by id").unwrap(), "1|a\n2|");
}

#[test]
fn supabase_stub_is_there() {
    let db = server().fresh_db();
    db.apply(
        "create table profiles (id uuid primary key references auth.users on delete cascade,
                                 owner uuid default auth.uid(),
                                 token uuid default uuid_generate_v4());
         alter table profiles enable row level security;
         create policy own on profiles for all to authenticated
           using (id = auth.uid()) with check (id = auth.uid());",
    )
    .unwrap();
    let uid = "6f0c2bbc-59a4-4a4a-9f7e-2d4d4c3c1a11";
    let got = db
        .query(&format!(
            "set request.jwt.claims = '{{\"sub\": \"{uid}\", \"role\": \"authenticated\"}}';
             select auth.uid(), auth.role(), storage.foldername('a/b/c.png');"
        ))
        .unwrap();
    assert_eq!(got, format!("{uid}|authenticated|{{a,b}}"));
    let catalog = db.catalog();
    assert!(
        catalog.contains(
            "policy public.profiles own permissive=PERMISSIVE roles={authenticated} cmd=ALL \
             using=(id = auth.uid()) check=(id = auth.uid())"
        ),
        "{catalog}"
    );
    // Nothing of the stub's own schemas shows up.
    assert!(!catalog.contains("auth.users "), "{catalog}");
    assert!(!catalog.contains("schema auth"), "{catalog}");
}

#[test]
fn parallel_keeps_the_items_order_and_raises_a_panic_once_the_rest_ran() {
    let items: Vec<u64> = (0..50).collect();
    assert_eq!(support::parallel(&items, |n| n * n), items.iter().map(|n| n * n).collect::<Vec<_>>());
    let ran = std::sync::atomic::AtomicUsize::new(0);
    let caught = std::panic::catch_unwind(|| {
        support::parallel(&items, |&n| {
            ran.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            assert_ne!(n, 7);
        })
    });
    assert!(caught.is_err(), "a panicking item fails the call");
    assert_eq!(ran.into_inner(), items.len(), "the other workers went on to the end");
}
