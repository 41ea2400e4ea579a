//! A live PostgreSQL → `Schema`: the catalog of the project's schemas is written out as the
//! DDL that would build it (`pg_get_*def`, `format_type`, `pg_get_expr`, policies and ACLs
//! read from the catalog, every name and literal quoted by the server's `format('%I', '%L')`)
//! and that script is replayed by the SQL loader, so a database and the history that built
//! it go through one reading. Platform schemas (`PLATFORM_SCHEMAS`, `pg_*`, `supabase_*`,
//! `information_schema`) and objects that belong to an extension are left out, as the SQL
//! loader leaves them to the platform; policies on a platform table (storage.objects) and
//! triggers on one that call a project function are the project's and are read.

mod canonical;
mod optioned;
mod server_constants;

use std::path::Path;

use crate::db::Database;
use crate::diagnostic::{Diagnostic, Result};
use crate::model::Schema;
use crate::model::privileges::{DefaultPrivileges, ObjectKind, PUBLIC_SCHEMA, platform_public_grants};
use crate::source::sql::{LoadReport, load_text};
use crate::source::yaml::PLATFORM_SCHEMAS;
pub use canonical::{aligned, comparable};
pub use server_constants::{as_server_prints, compared_forms};

/// The model of the database `db` is connected to, and what the replay of its catalog read.
pub fn load(db: &mut Database) -> Result<(Schema, LoadReport)> {
    let script = catalog_script(db)?;
    let mut schema = Schema::default();
    let mut report = LoadReport::default();
    load_text(&mut schema, Path::new(&db.description), &script, &mut report)?;
    Ok((schema, report))
}

/// The DDL that builds the project's part of the database, in an order the loader replays.
pub fn catalog_script(db: &mut Database) -> Result<String> {
    let platform: Vec<String> = PLATFORM_SCHEMAS.iter().map(|s| s.to_string()).collect();
    let mut script = String::new();
    // One snapshot, nothing written; names outside `public` (extensions' types and
    // operator classes too) are printed qualified, as a dump of a Supabase project has them.
    db.client
        .batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET LOCAL search_path = public")
        .map_err(|e| read_error(db, &e))?;
    // Each object then starts with no grants, and its ACL is written out as it is.
    script.push_str(&reset_default_privileges());
    let version = db.version().map_err(|e| read_error(db, &e))?;
    script.push_str(&reset_public_grants());
    for query in queries() {
        let query = crate::db::portable(&query, version, "r");
        // Only the queries that name the platform schemas take them.
        let params: &[&(dyn postgres::types::ToSql + Sync)] = if query.contains("$1") { &[&platform] } else { &[] };
        let rows = db.client.query(query.as_str(), params).map_err(|e| read_error(db, &e))?;
        for row in rows {
            let line: Option<String> = row.get(0);
            if let Some(line) = line {
                script.push_str(&line);
                script.push('\n');
            }
        }
    }
    db.client.batch_execute("COMMIT").map_err(|e| read_error(db, &e))?;
    Ok(script)
}

fn read_error(db: &Database, e: &postgres::Error) -> crate::diagnostic::Errors {
    let cause = e.as_db_error().map_or_else(|| e.to_string(), |d| d.message().to_string());
    Diagnostic::new(format!("cannot read the catalog of {}: {cause}", db.description))
        .hint("the role needs to read pg_catalog (any role can, unless it was revoked)")
        .into()
}

/// `ALTER DEFAULT PRIVILEGES … REVOKE` of everything the model's starting defaults grant.
fn reset_default_privileges() -> String {
    use crate::ident::quote_ident;
    let start = DefaultPrivileges::default();
    let mut out = String::new();
    for scope in [None, Some("public".to_string())] {
        for kind in ObjectKind::ALL {
            let grants = start.get(&scope, kind);
            if grants.is_empty() {
                continue;
            }
            let roles: Vec<String> =
                grants.keys().map(|r| if r == "public" { "PUBLIC".to_string() } else { quote_ident(r) }).collect();
            let within = scope.as_deref().map(|s| format!(" IN SCHEMA {}", quote_ident(s))).unwrap_or_default();
            out.push_str(&format!(
                "ALTER DEFAULT PRIVILEGES{within} REVOKE ALL ON {} FROM {};\n",
                kind.word().to_uppercase(),
                roles.join(", ")
            ));
        }
    }
    out
}

/// `REVOKE` of what the model's `public` schema starts with, so that its ACL is read as it is.
fn reset_public_grants() -> String {
    let roles: Vec<String> = platform_public_grants()
        .keys()
        .map(|r| if r == "public" { "PUBLIC".to_string() } else { crate::ident::quote_ident(r) })
        .collect();
    format!("REVOKE ALL ON SCHEMA {PUBLIC_SCHEMA} FROM {};\n", roles.join(", "))
}

/// SQL that is true when the schema named `ns` is the project's (`$1`: the platform schemas).
fn project(ns: &str) -> String {
    format!(
        "({ns}::text <> all($1::text[]) and {ns}::text !~ '^(pg_|supabase_)' and {ns}::text <> 'information_schema')"
    )
}

/// SQL that is true when the object `oid` of catalog `catalog` belongs to no extension.
fn own(catalog: &str, oid: &str) -> String {
    format!(
        "not exists (select from pg_catalog.pg_depend d where d.classid = 'pg_catalog.{catalog}'::regclass \
         and d.objid = {oid} and d.deptype = 'e')"
    )
}

/// The collation `co` of schema `cn`, qualified unless it is a built-in one.
const COLLATION: &str = "case when cn.nspname = 'pg_catalog' then quote_ident(co.collname) else format('%I.%I', cn.nspname, co.collname) end";

/// `grantee` of `aclexplode` as GRANT names it.
const GRANTEE: &str =
    "case when a.grantee = 0 then 'PUBLIC' else quote_ident(pg_catalog.pg_get_userbyid(a.grantee)) end";

/// ` WITH (…)` of the storage parameters `t.reloptions` (`name=value`), or nothing.
const WITH_OPTIONS: &str = "coalesce((select ' WITH (' || string_agg(format('%s = %L', split_part(o, '=', 1), \
    substr(o, strpos(o, '=') + 1)), ', ') || ')' from unnest(t.reloptions) o), '')";

/// The queries, in replay order; each returns one column of statements.
/// CREATE INDEX of the indexes of the relations `which` picks, but those of keys and
/// exclusion constraints and partitions' copies.
fn indexes(tables: &str, which: &str) -> String {
    format!(
        "with t as ({tables}) select pg_catalog.pg_get_indexdef(i.indexrelid) || ';' \
         from t join pg_catalog.pg_index i on i.indrelid = t.oid \
         where {which} and not exists (select from pg_catalog.pg_constraint k where k.conindid = i.indexrelid \
           and k.conrelid = t.oid and k.contype in ('p', 'u', 'x')) \
         and not exists (select from pg_catalog.pg_inherits h where h.inhrelid = i.indexrelid) order by i.indexrelid"
    )
}

fn queries() -> Vec<String> {
    let tables = format!(
        "select c.oid, n.nspname, c.relname, c.relkind, c.relowner, c.relacl, c.reloptions \
         from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace \
         where {} and {}",
        project("n.nspname"),
        own("pg_class", "c.oid")
    );
    let routines = format!(
        "select p.oid, p.prokind, p.proowner, p.proacl from pg_catalog.pg_proc p \
         join pg_catalog.pg_namespace n on n.oid = p.pronamespace \
         where {} and {} and p.prokind in ('f', 'p') \
         and not exists (select from pg_catalog.pg_depend d where d.classid = 'pg_catalog.pg_proc'::regclass \
           and d.objid = p.oid and d.deptype = 'i')",
        project("n.nspname"),
        own("pg_proc", "p.oid")
    );
    // Aggregates other than ordered-set ones (which the model does not hold).
    let aggregates = format!(
        "select p.oid, n.nspname, p.proname, a.* from pg_catalog.pg_proc p \
         join pg_catalog.pg_namespace n on n.oid = p.pronamespace \
         join pg_catalog.pg_aggregate a on a.aggfnoid = p.oid \
         where {} and {} and a.aggkind = 'n'",
        project("n.nspname"),
        own("pg_proc", "p.oid")
    );
    let types = format!(
        "select t.oid, n.nspname, t.typname, t.typtype, t.typowner, t.typacl from pg_catalog.pg_type t \
         join pg_catalog.pg_namespace n on n.oid = t.typnamespace \
         where {} and {} and (t.typtype in ('e', 'd', 'r') or (t.typtype = 'c' and exists (select from pg_catalog.pg_class r \
           where r.oid = t.typrelid and r.relkind = 'c')))",
        project("n.nspname"),
        own("pg_type", "t.oid")
    );
    // Tables whose policies and triggers are read: the project's, and the platform's.
    let hosts = format!(
        "select c.oid, n.nspname, c.relname, {} as project from pg_catalog.pg_class c \
         join pg_catalog.pg_namespace n on n.oid = c.relnamespace \
         where c.relkind in ('r', 'p', 'v', 'm') and n.nspname !~ '^pg_' and n.nspname <> 'information_schema' \
         and {}",
        project("n.nspname"),
        own("pg_class", "c.oid")
    );
    let schemas = format!(
        "select n.oid, n.nspname, n.nspowner, n.nspacl from pg_catalog.pg_namespace n \
         where {} and {} and n.nspname <> 'public'",
        project("n.nspname"),
        own("pg_namespace", "n.oid")
    );
    // Constants of the model, not user text.
    let platform_publications: Vec<String> =
        crate::model::replication::PLATFORM_PUBLICATIONS.iter().map(|n| format!("'{n}'")).collect();
    let platform_publications = platform_publications.join(", ");
    vec![
        format!("with s as ({schemas}) select format('CREATE SCHEMA %I;', nspname) from s order by nspname"),
        format!(
            "select format('CREATE EXTENSION IF NOT EXISTS %I WITH SCHEMA %I;', e.extname, n.nspname) \
             from pg_catalog.pg_extension e join pg_catalog.pg_namespace n on n.oid = e.extnamespace \
             where e.extname <> 'plpgsql' order by e.extname"
        ),
        format!(
            "with t as ({types}) select format('CREATE TYPE %I.%I AS ENUM (%s);', nspname, typname, \
             (select string_agg(quote_literal(e.enumlabel), ', ' order by e.enumsortorder) \
              from pg_catalog.pg_enum e where e.enumtypid = t.oid)) from t where typtype = 'e' order by t.oid"
        ),
        format!(
            "with t as ({types}) select format('CREATE DOMAIN %I.%I AS %s', t.nspname, t.typname, \
               pg_catalog.format_type(d.typbasetype, d.typtypmod)) \
             || case when d.typcollation <> 0 and d.typcollation <> b.typcollation \
                then ' COLLATE ' || {COLLATION} else '' end \
             || coalesce(' DEFAULT ' || d.typdefault, '') \
             || case when d.typnotnull then ' NOT NULL' else '' end \
             || coalesce((select string_agg(format(' CONSTRAINT %I %s', k.conname, pg_catalog.pg_get_constraintdef(k.oid)), '' order by k.oid) \
                 from pg_catalog.pg_constraint k where k.contypid = t.oid and k.contype = 'c'), '') || ';' \
             from t join pg_catalog.pg_type d on d.oid = t.oid join pg_catalog.pg_type b on b.oid = d.typbasetype \
             left join pg_catalog.pg_collation co on co.oid = d.typcollation \
             left join pg_catalog.pg_namespace cn on cn.oid = co.collnamespace \
             where t.typtype = 'd' order by t.oid"
        ),
        // Composite types (not the row types of tables, which have a relation of their own).
        format!(
            "with t as ({types}) select format('CREATE TYPE %I.%I AS (%s);', t.nspname, t.typname, \
               (select coalesce(string_agg(format('%I %s', a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod)) \
                 || case when a.attcollation <> 0 and a.attcollation <> ty.typcollation \
                    then ' COLLATE ' || {COLLATION} else '' end, ', ' order by a.attnum), '') \
                from pg_catalog.pg_attribute a join pg_catalog.pg_type ty on ty.oid = a.atttypid \
                left join pg_catalog.pg_collation co on co.oid = a.attcollation \
                left join pg_catalog.pg_namespace cn on cn.oid = co.collnamespace \
                where a.attrelid = d.typrelid and a.attnum > 0 and not a.attisdropped)) \
             from t join pg_catalog.pg_type d on d.oid = t.oid where t.typtype = 'c' order by t.oid"
        ),
        format!("with r as ({routines}) select pg_catalog.pg_get_functiondef(r.oid) || ';' from r order by r.oid"),
        optioned::ranges(&types),
        optioned::aggregates(&aggregates),
        format!(
            "with t as ({tables}) select case when c.relispartition then \
               format('CREATE %sTABLE %I.%I PARTITION OF %I.%I %s%s%s;', \
               case when c.relpersistence = 'u' then 'UNLOGGED ' else '' end, t.nspname, t.relname, \
               pn.nspname, pc.relname, pg_catalog.pg_get_expr(c.relpartbound, c.oid), \
               ' PARTITION BY ' || pg_catalog.pg_get_partkeydef(c.oid), {WITH_OPTIONS}) \
             else format('CREATE %sTABLE %I.%I (%s)%s%s%s;', \
               case when c.relpersistence = 'u' then 'UNLOGGED ' else '' end, t.nspname, t.relname, \
               (select coalesce(string_agg(format('%I %s', a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod)) \
                 || case when a.attcollation <> 0 and a.attcollation <> ty.typcollation \
                    then ' COLLATE ' || {COLLATION} else '' end \
                 || case a.attidentity when 'a' then ' GENERATED ALWAYS AS IDENTITY' \
                    when 'd' then ' GENERATED BY DEFAULT AS IDENTITY' else '' end \
                 || coalesce((select ' (' || nullif(concat_ws(' ', \
                      case when s.seqstart <> case when s.seqincrement > 0 then s.seqmin else s.seqmax end then 'START WITH ' || s.seqstart end, \
                      case when s.seqincrement <> 1 then 'INCREMENT BY ' || s.seqincrement end, \
                      case when s.seqmin <> case when s.seqincrement > 0 then 1 else lim.lo end then 'MINVALUE ' || s.seqmin end, \
                      case when s.seqmax <> case when s.seqincrement > 0 then lim.hi else -1 end then 'MAXVALUE ' || s.seqmax end, \
                      case when s.seqcache <> 1 then 'CACHE ' || s.seqcache end, \
                      case when s.seqcycle then 'CYCLE' end), '') || ')' \
                    from pg_catalog.pg_depend d join pg_catalog.pg_sequence s on s.seqrelid = d.objid \
                    cross join lateral (select case s.seqtypid when 'pg_catalog.int2'::regtype then -32768 \
                      when 'pg_catalog.int4'::regtype then -2147483648 else -9223372036854775808 end as lo, \
                      case s.seqtypid when 'pg_catalog.int2'::regtype then 32767 \
                      when 'pg_catalog.int4'::regtype then 2147483647 else 9223372036854775807 end as hi) lim \
                    where a.attidentity <> '' and d.classid = 'pg_catalog.pg_class'::regclass \
                    and d.refobjid = a.attrelid and d.refobjsubid = a.attnum and d.deptype = 'i'), '') \
                 || case when a.attgenerated = 's' then ' GENERATED ALWAYS AS (' || pg_catalog.pg_get_expr(ad.adbin, ad.adrelid) || ') STORED' \
                    when ad.adbin is not null then ' DEFAULT ' || pg_catalog.pg_get_expr(ad.adbin, ad.adrelid) else '' end \
                 || case when a.attnotnull then ' NOT NULL' else '' end, ', ' order by a.attnum), '') \
                from pg_catalog.pg_attribute a join pg_catalog.pg_type ty on ty.oid = a.atttypid \
                left join pg_catalog.pg_attrdef ad on ad.adrelid = a.attrelid and ad.adnum = a.attnum \
                left join pg_catalog.pg_collation co on co.oid = a.attcollation \
                left join pg_catalog.pg_namespace cn on cn.oid = co.collnamespace \
                where a.attrelid = t.oid and a.attnum > 0 and not a.attisdropped and a.attislocal), \
               (select ' INHERITS (' || string_agg(format('%I.%I', hn.nspname, hc.relname), ', ' order by h.inhseqno) || ')' \
                from pg_catalog.pg_inherits h join pg_catalog.pg_class hc on hc.oid = h.inhparent \
                join pg_catalog.pg_namespace hn on hn.oid = hc.relnamespace where h.inhrelid = c.oid), \
               ' PARTITION BY ' || pg_catalog.pg_get_partkeydef(c.oid), {WITH_OPTIONS}) end \
             || case when c.relrowsecurity then format(E'\\nALTER TABLE %I.%I ENABLE ROW LEVEL SECURITY;', t.nspname, t.relname) else '' end \
             || case when c.relforcerowsecurity then format(E'\\nALTER TABLE %I.%I FORCE ROW LEVEL SECURITY;', t.nspname, t.relname) else '' end \
             from t join pg_catalog.pg_class c on c.oid = t.oid \
             left join pg_catalog.pg_inherits i on c.relispartition and i.inhrelid = c.oid \
             left join pg_catalog.pg_class pc on pc.oid = i.inhparent \
             left join pg_catalog.pg_namespace pn on pn.oid = pc.relnamespace \
             where t.relkind in ('r', 'p') order by c.relispartition, t.oid"
        ),
        // Sequences other than identity columns', as pg_dump writes them: options that differ
        // from the defaults, then the column that owns one.
        format!(
            "with t as ({tables}) select format('CREATE SEQUENCE %I.%I', t.nspname, t.relname) \
             || case when s.seqtypid <> 'pg_catalog.int8'::regtype then ' AS ' || pg_catalog.format_type(s.seqtypid, null) else '' end \
             || case when s.seqincrement <> 1 then ' INCREMENT BY ' || s.seqincrement else '' end \
             || case when s.seqmin <> case when s.seqincrement > 0 then 1 else lim.lo end then ' MINVALUE ' || s.seqmin else '' end \
             || case when s.seqmax <> case when s.seqincrement > 0 then lim.hi else -1 end then ' MAXVALUE ' || s.seqmax else '' end \
             || case when s.seqstart <> case when s.seqincrement > 0 then s.seqmin else s.seqmax end then ' START WITH ' || s.seqstart else '' end \
             || case when s.seqcache <> 1 then ' CACHE ' || s.seqcache else '' end \
             || case when s.seqcycle then ' CYCLE' else '' end || ';' \
             || coalesce((select format(E'\\nALTER SEQUENCE %I.%I OWNED BY %I.%I.%I;', t.nspname, t.relname, on_.nspname, oc.relname, a.attname) \
                 from pg_catalog.pg_depend d join pg_catalog.pg_class oc on oc.oid = d.refobjid \
                 join pg_catalog.pg_namespace on_ on on_.oid = oc.relnamespace \
                 join pg_catalog.pg_attribute a on a.attrelid = d.refobjid and a.attnum = d.refobjsubid \
                 where d.classid = 'pg_catalog.pg_class'::regclass and d.objid = t.oid and d.deptype = 'a' \
                 and d.refclassid = 'pg_catalog.pg_class'::regclass), '') \
             from t join pg_catalog.pg_sequence s on s.seqrelid = t.oid \
             cross join lateral (select case s.seqtypid when 'pg_catalog.int2'::regtype then -32768 \
                 when 'pg_catalog.int4'::regtype then -2147483648 else -9223372036854775808 end as lo, \
                 case s.seqtypid when 'pg_catalog.int2'::regtype then 32767 \
                 when 'pg_catalog.int4'::regtype then 2147483647 else 9223372036854775807 end as hi) lim \
             where t.relkind = 'S' and not exists (select from pg_catalog.pg_depend d where d.classid = 'pg_catalog.pg_class'::regclass \
               and d.objid = t.oid and d.deptype = 'i') order by t.oid"
        ),
        // Keys and checks first, foreign keys once every key they may point at is there.
        format!(
            "with t as ({tables}) select format('ALTER TABLE %I.%I ADD CONSTRAINT %I %s;', t.nspname, t.relname, k.conname, \
               pg_catalog.pg_get_constraintdef(k.oid)) \
             from t join pg_catalog.pg_constraint k on k.conrelid = t.oid \
             where k.contype in ('p', 'u', 'c', 'x', 'f') and k.conislocal and k.conparentid = 0 \
             order by k.contype = 'f', k.oid"
        ),
        indexes(&tables, "t.relkind <> 'm'"),
        // Replica identity once the index it may name is there.
        format!(
            "with t as ({tables}) select format('ALTER TABLE %I.%I REPLICA IDENTITY %s;', t.nspname, t.relname, \
               case c.relreplident when 'f' then 'FULL' when 'n' then 'NOTHING' \
               else format('USING INDEX %I', (select ic.relname from pg_catalog.pg_index i \
                 join pg_catalog.pg_class ic on ic.oid = i.indexrelid where i.indrelid = t.oid and i.indisreplident)) end) \
             from t join pg_catalog.pg_class c on c.oid = t.oid \
             where t.relkind in ('r', 'p') and c.relreplident in ('f', 'n', 'i') order by t.oid"
        ),
        // Publications: the platform's is there before the first migration, so only options
        // a history changed are written for it. Then each project table's membership.
        format!(
            "select case when p.pubname in ({platform_publications}) \
               then case when not (p.pubinsert and p.pubupdate and p.pubdelete and p.pubtruncate) or p.pubviaroot \
                 then format('ALTER PUBLICATION %I SET (%s);', p.pubname, o.options) end \
               else format('CREATE PUBLICATION %I%s WITH (%s);', p.pubname, \
                 case when p.puballtables then ' FOR ALL TABLES' else '' end, o.options) end \
             from pg_catalog.pg_publication p cross join lateral (select format('publish = %L, publish_via_partition_root = %s', \
               concat_ws(', ', case when p.pubinsert then 'insert' end, case when p.pubupdate then 'update' end, \
                 case when p.pubdelete then 'delete' end, case when p.pubtruncate then 'truncate' end), p.pubviaroot::text) as options) o \
             order by p.pubname"
        ),
        format!(
            "with t as ({tables}) select format('ALTER PUBLICATION %I ADD TABLE %I.%I%s%s;', p.pubname, t.nspname, t.relname, \
               (select ' (' || string_agg(quote_ident(a.attname), ', ' order by a.attnum) || ')' \
                from pg_catalog.pg_attribute a where a.attrelid = t.oid and a.attnum = any(r.prattrs)), \
               ' WHERE (' || pg_catalog.pg_get_expr(r.prqual, r.prrelid) || ')') \
             from t join pg_catalog.pg_publication_rel r on r.prrelid = t.oid \
             join pg_catalog.pg_publication p on p.oid = r.prpubid order by p.pubname, t.nspname, t.relname"
        ),
        format!(
            "with t as ({tables}) select format('CREATE %sVIEW %I.%I', case when t.relkind = 'm' then 'MATERIALIZED ' else '' end, \
               t.nspname, t.relname) \
             || coalesce((select ' WITH (' || string_agg(o, ', ') || ')' from unnest(t.reloptions) o where o !~ '^check_option='), '') \
             || E' AS\\n' || rtrim(pg_catalog.pg_get_viewdef(t.oid), ';') \
             || coalesce((select ' WITH ' || upper(split_part(o, '=', 2)) || ' CHECK OPTION' \
                 from unnest(t.reloptions) o where o ~ '^check_option='), '') \
             || case when t.relkind = 'm' then ' WITH NO DATA' else '' end || ';' \
             from t where t.relkind in ('v', 'm') order by t.oid"
        ),
        // A materialized view's, once it is there.
        indexes(&tables, "t.relkind = 'm'"),
        format!(
            "with h as ({hosts}) select pg_catalog.pg_get_triggerdef(g.oid) || ';' \
               || case g.tgenabled when 'O' then '' else format(E'\\nALTER TABLE %I.%I %s TRIGGER %I;', h.nspname, \
                  h.relname, case g.tgenabled when 'D' then 'DISABLE' when 'R' then 'ENABLE REPLICA' \
                  else 'ENABLE ALWAYS' end, g.tgname) end \
             from h join pg_catalog.pg_trigger g on g.tgrelid = h.oid \
             join pg_catalog.pg_proc p on p.oid = g.tgfoid join pg_catalog.pg_namespace pn on pn.oid = p.pronamespace \
             where not g.tgisinternal and g.tgparentid = 0 and (h.project or {}) order by h.nspname, h.relname, g.tgname",
            project("pn.nspname")
        ),
        format!(
            "with h as ({hosts}) select format('CREATE POLICY %I ON %I.%I AS %s FOR %s TO %s', p.polname, h.nspname, h.relname, \
               case when p.polpermissive then 'PERMISSIVE' else 'RESTRICTIVE' end, \
               case p.polcmd when 'r' then 'SELECT' when 'a' then 'INSERT' when 'w' then 'UPDATE' when 'd' then 'DELETE' else 'ALL' end, \
               (select string_agg(case when r = 0 then 'PUBLIC' else quote_ident(pg_catalog.pg_get_userbyid(r)) end, ', ' order by r) \
                from unnest(p.polroles) r)) \
             || coalesce(' USING (' || pg_catalog.pg_get_expr(p.polqual, p.polrelid) || ')', '') \
             || coalesce(' WITH CHECK (' || pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid) || ')', '') || ';' \
             from h join pg_catalog.pg_policy p on p.polrelid = h.oid order by h.nspname, h.relname, p.polname"
        ),
        comments(&tables, &routines, &types, &hosts, &schemas),
        grants(&tables, &routines, &types, &schemas),
        owners(&tables, &routines, &types),
        default_privileges(),
        cron_jobs(),
    ]
}

/// `SELECT cron.schedule(…)` for each named job of this database, last (a command may call
/// any function). cron.job is read through a query text, so this runs without pg_cron too.
/// A job of another database, inactive or unnamed is not modelled and not read.
fn cron_jobs() -> String {
    "select format('SELECT cron.schedule(%L, %L, %L);', j.jobname, j.schedule, j.command) \
     from xmltable('/table/row' passing pg_catalog.query_to_xml( \
       case when pg_catalog.to_regclass('cron.job') is null \
         then 'select null::text as jobname, null::text as schedule, null::text as command where false' \
         else 'select jobname, schedule, command from cron.job \
               where jobname is not null and active and database = pg_catalog.current_database()' end, \
       false, false, '') columns jobname text, schedule text, command text) j order by j.jobname"
        .to_string()
}

/// COMMENT ON each commented object that was read.
fn comments(tables: &str, routines: &str, types: &str, hosts: &str, schemas: &str) -> String {
    format!(
        "with t as ({tables}), r as ({routines}), ty as ({types}), h as ({hosts}), s as ({schemas}), c as ( \
           select format('COMMENT ON SCHEMA %I IS %L;', s.nspname, d.description) as line \
             from s join pg_catalog.pg_description d on d.objoid = s.oid and d.classoid = 'pg_catalog.pg_namespace'::regclass \
           union all select format('COMMENT ON %s %I.%I IS %L;', case t.relkind when 'v' then 'VIEW' \
               when 'm' then 'MATERIALIZED VIEW' when 'S' then 'SEQUENCE' when 'i' then 'INDEX' else 'TABLE' end, \
               t.nspname, t.relname, d.description) \
             from t join pg_catalog.pg_description d on d.objoid = t.oid and d.classoid = 'pg_catalog.pg_class'::regclass and d.objsubid = 0 \
           union all select format('COMMENT ON COLUMN %I.%I.%I IS %L;', t.nspname, t.relname, a.attname, d.description) \
             from t join pg_catalog.pg_description d on d.objoid = t.oid and d.classoid = 'pg_catalog.pg_class'::regclass and d.objsubid > 0 \
             join pg_catalog.pg_attribute a on a.attrelid = t.oid and a.attnum = d.objsubid \
           union all select format('COMMENT ON %s %s IS %L;', case r.prokind when 'p' then 'PROCEDURE' else 'FUNCTION' end, \
               r.oid::pg_catalog.regprocedure, d.description) \
             from r join pg_catalog.pg_description d on d.objoid = r.oid and d.classoid = 'pg_catalog.pg_proc'::regclass \
           union all select format('COMMENT ON %s %I.%I IS %L;', case ty.typtype when 'd' then 'DOMAIN' else 'TYPE' end, \
               ty.nspname, ty.typname, d.description) \
             from ty join pg_catalog.pg_description d on d.objoid = ty.oid and d.classoid = 'pg_catalog.pg_type'::regclass \
           union all select format('COMMENT ON CONSTRAINT %I ON %I.%I IS %L;', k.conname, t.nspname, t.relname, d.description) \
             from t join pg_catalog.pg_constraint k on k.conrelid = t.oid \
             join pg_catalog.pg_description d on d.objoid = k.oid and d.classoid = 'pg_catalog.pg_constraint'::regclass \
           union all select format('COMMENT ON POLICY %I ON %I.%I IS %L;', p.polname, h.nspname, h.relname, d.description) \
             from h join pg_catalog.pg_policy p on p.polrelid = h.oid \
             join pg_catalog.pg_description d on d.objoid = p.oid and d.classoid = 'pg_catalog.pg_policy'::regclass \
           union all select format('COMMENT ON TRIGGER %I ON %I.%I IS %L;', g.tgname, h.nspname, h.relname, d.description) \
             from h join pg_catalog.pg_trigger g on g.tgrelid = h.oid \
             join pg_catalog.pg_description d on d.objoid = g.oid and d.classoid = 'pg_catalog.pg_trigger'::regclass \
           union all select format('COMMENT ON INDEX %I.%I IS %L;', h.nspname, ic.relname, d.description) \
             from t h join pg_catalog.pg_index i on i.indrelid = h.oid join pg_catalog.pg_class ic on ic.oid = i.indexrelid \
             join pg_catalog.pg_description d on d.objoid = i.indexrelid and d.classoid = 'pg_catalog.pg_class'::regclass \
             where not exists (select from pg_catalog.pg_constraint k where k.conindid = i.indexrelid and k.contype in ('p', 'u', 'x')) \
         ) select line from c order by line"
    )
}

/// GRANT of each privilege of each object that was read, from its ACL (its kind's built-in
/// default where it has none), its owner's left out as the model leaves it.
fn grants(tables: &str, routines: &str, types: &str, schemas: &str) -> String {
    format!(
        "with t as ({tables}), r as ({routines}), ty as ({types}), s as ({schemas}), g as ( \
           select format('GRANT %s ON %s %I.%I TO %s;', a.privilege_type, case when t.relkind = 'S' then 'SEQUENCE' else 'TABLE' end, \
               t.nspname, t.relname, {GRANTEE}) as line \
             from t cross join lateral pg_catalog.aclexplode(coalesce(t.relacl, pg_catalog.acldefault( \
               (case when t.relkind = 'S' then 's' else 'r' end)::\"char\", t.relowner))) a \
             where t.relkind in ('r', 'p', 'v', 'm', 'S') and a.grantee <> t.relowner and a.privilege_type <> 'MAINTAIN' \
           union all select format('GRANT %s (%I) ON TABLE %I.%I TO %s;', a.privilege_type, c.attname, t.nspname, t.relname, {GRANTEE}) \
             from t join pg_catalog.pg_attribute c on c.attrelid = t.oid and c.attnum > 0 and not c.attisdropped and c.attacl is not null \
             cross join lateral pg_catalog.aclexplode(c.attacl) a where a.grantee <> t.relowner \
           union all select format('GRANT EXECUTE ON %s %s TO %s;', case r.prokind when 'p' then 'PROCEDURE' else 'FUNCTION' end, \
               r.oid::pg_catalog.regprocedure, {GRANTEE}) \
             from r cross join lateral pg_catalog.aclexplode(coalesce(r.proacl, pg_catalog.acldefault('f', r.proowner))) a \
             where a.grantee <> r.proowner \
           union all select format('GRANT USAGE ON %s %I.%I TO %s;', case ty.typtype when 'd' then 'DOMAIN' else 'TYPE' end, \
               ty.nspname, ty.typname, {GRANTEE}) \
             from ty cross join lateral pg_catalog.aclexplode(coalesce(ty.typacl, pg_catalog.acldefault('T', ty.typowner))) a \
             where a.grantee <> ty.typowner and ty.typtype <> 'c' \
           union all select format('GRANT %s ON SCHEMA %I TO %s;', a.privilege_type, s.nspname, {GRANTEE}) \
             from (select nspname, nspowner, nspacl from s union all select nspname, nspowner, nspacl \
                   from pg_catalog.pg_namespace where nspname = '{PUBLIC_SCHEMA}') s \
             cross join lateral pg_catalog.aclexplode(coalesce(s.nspacl, pg_catalog.acldefault('n', s.nspowner))) a \
             where a.grantee <> s.nspowner \
         ) select line from g order by line"
    )
}

/// ALTER … OWNER TO of each object that was read and is owned neither by the role that
/// runs migrations nor by the role connected (which stands for it on a scratch database).
fn owners(tables: &str, routines: &str, types: &str) -> String {
    format!(
        "with t as ({tables}), r as ({routines}), ty as ({types}),          m as (select oid from pg_catalog.pg_roles where rolname in (current_user, '{owner}')), o as (            select format('ALTER %s %I.%I OWNER TO %I;', case t.relkind when 'v' then 'VIEW'                when 'm' then 'MATERIALIZED VIEW' when 'S' then 'SEQUENCE' else 'TABLE' end,                t.nspname, t.relname, pg_catalog.pg_get_userbyid(t.relowner)) as line              from t where t.relkind in ('r', 'p', 'v', 'm', 'S') and t.relowner not in (select oid from m)            union all select format('ALTER %s %s OWNER TO %I;', case r.prokind when 'p' then 'PROCEDURE' else 'FUNCTION' end,                r.oid::pg_catalog.regprocedure, pg_catalog.pg_get_userbyid(r.proowner))              from r where r.proowner not in (select oid from m)            union all select format('ALTER TYPE %I.%I OWNER TO %I;', ty.nspname, ty.typname, pg_catalog.pg_get_userbyid(ty.typowner))              from ty where ty.typtype in ('e', 'c') and ty.typowner not in (select oid from m)          ) select line from o order by line",
        owner = crate::model::privileges::OWNER
    )
}

/// The default privileges of the role that runs migrations (`model::privileges::OWNER`):
/// its entry for every schema, or PostgreSQL's built-in one, and those of single schemas
/// (which may name the role itself, as a history may).
fn default_privileges() -> String {
    format!(
        "with o as (select oid from pg_catalog.pg_roles where rolname = '{owner}'), \
         k(c, d, word) as (values ('r', 'r', 'TABLES'), ('S', 's', 'SEQUENCES'), ('f', 'f', 'FUNCTIONS'), \
           ('T', 'T', 'TYPES'), ('n', 'n', 'SCHEMAS')) \
         select format('ALTER DEFAULT PRIVILEGES GRANT %s ON %s TO %s;', a.privilege_type, k.word, {GRANTEE}) \
           from o cross join k cross join lateral pg_catalog.aclexplode(coalesce( \
             (select x.defaclacl from pg_catalog.pg_default_acl x where x.defaclrole = o.oid and x.defaclnamespace = 0 \
              and x.defaclobjtype = k.c::\"char\"), pg_catalog.acldefault(k.d::\"char\", o.oid))) a \
           where a.grantee <> o.oid and a.privilege_type <> 'MAINTAIN' \
         union all select format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT %s ON %s TO %s;', n.nspname, a.privilege_type, k.word, {GRANTEE}) \
           from o join pg_catalog.pg_default_acl x on x.defaclrole = o.oid and x.defaclnamespace <> 0 \
           join pg_catalog.pg_namespace n on n.oid = x.defaclnamespace join k on k.c::\"char\" = x.defaclobjtype \
           cross join lateral pg_catalog.aclexplode(x.defaclacl) a \
           where a.privilege_type <> 'MAINTAIN' \
         order by 1",
        owner = crate::model::privileges::OWNER
    )
}
