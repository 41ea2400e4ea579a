-- The canonical catalog text of a test database, used by tests/support/mod.rs (Db::catalog).
-- One row per fact; newlines inside a fact are escaped as \n; the caller sorts the rows.
-- Covers every schema except the system ones and those of src/verify/supabase_stub.sql (auth,
-- storage, extensions), plus triggers and policies on any table (the stub has none, and
-- migrations do add them to auth.users and storage.objects). Objects that belong to an
-- extension are reported as the extension.
-- search_path is pg_catalog only, so every user object is printed schema-qualified.
set search_path = pg_catalog;
with
ns as (
  select n.oid, n.nspname from pg_namespace n
  where n.nspname not in ('information_schema', 'auth', 'storage', 'extensions')
    and n.nspname not like 'pg\_%'
    and not exists (select from pg_depend d where d.classid = 'pg_namespace'::regclass
                    and d.objid = n.oid and d.deptype = 'e')
),
-- objects that belong to an extension are reported as the extension only
ext_member as (
  select classid, objid from pg_depend where deptype = 'e'
),
rel as (
  select c.oid, c.relname, c.relkind, c.relpersistence, c.relrowsecurity, c.relforcerowsecurity,
         c.relispartition, c.relowner, c.relacl, c.reloptions, c.relreplident, ns.nspname,
         format('%s.%s', quote_ident(ns.nspname), quote_ident(c.relname)) as qname
  from pg_class c join ns on ns.oid = c.relnamespace
  where not exists (select from ext_member e where e.classid = 'pg_class'::regclass and e.objid = c.oid)
),
ident_seq as (  -- sequences that implement identity columns
  select d.objid from pg_depend d
  where d.classid = 'pg_class'::regclass and d.refclassid = 'pg_class'::regclass and d.deptype = 'i'
    and exists (select from pg_class s where s.oid = d.objid and s.relkind = 'S')
),
func as (
  select p.oid, p.prokind, p.proowner, p.proacl, ns.nspname,
         format('%s.%s(%s)', quote_ident(ns.nspname), quote_ident(p.proname),
                pg_get_function_identity_arguments(p.oid)) as qname
  from pg_proc p join ns on ns.oid = p.pronamespace
  where not exists (select from ext_member e where e.classid = 'pg_proc'::regclass and e.objid = p.oid)
),
typ as (
  select t.oid, t.typtype, t.typrelid, t.typbasetype, t.typtypmod, t.typnotnull, t.typdefault,
         t.typcollation, ns.nspname,
         format('%s.%s', quote_ident(ns.nspname), quote_ident(t.typname)) as qname
  from pg_type t join ns on ns.oid = t.typnamespace
  where not exists (select from ext_member e where e.classid = 'pg_type'::regclass and e.objid = t.oid)
    and (t.typtype in ('e', 'd', 'r', 'm')
         or (t.typtype = 'c' and (select relkind from pg_class where oid = t.typrelid) = 'c'))
),
acl(kind, obj, acl) as (
  select 'schema', quote_ident(n.nspname), coalesce(n.nspacl, acldefault('n', n.nspowner))
  from pg_namespace n join ns using (oid)
  union all
  select case when r.relkind = 'S' then 'sequence' else 'table' end, r.qname,
         coalesce(r.relacl, acldefault(case when r.relkind = 'S' then 's'::"char" else 'r'::"char" end,
                                       r.relowner))
  from rel r where r.relkind in ('r', 'p', 'v', 'm', 'f', 'S') and r.oid not in (select objid from ident_seq)
  union all
  select 'column', format('%s.%s', r.qname, quote_ident(at.attname)), at.attacl
  from rel r join pg_attribute at on at.attrelid = r.oid
  where at.attacl is not null and at.attnum > 0 and not at.attisdropped
  union all
  select case when f.prokind = 'p' then 'procedure' else 'function' end, f.qname,
         coalesce(f.proacl, acldefault('f', f.proowner))
  from func f
  union all
  select 'type', t.qname, coalesce(pt.typacl, acldefault('T', pt.typowner))
  from typ t join pg_type pt on pt.oid = t.oid
  union all
  select 'default_privileges',
         format('role=%s schema=%s on=%s', quote_ident(pg_get_userbyid(da.defaclrole)),
                coalesce(quote_ident(n.nspname), '*'), da.defaclobjtype),
         da.defaclacl
  from pg_default_acl da left join pg_namespace n on n.oid = da.defaclnamespace
  where n.nspname is null or n.nspname not in ('auth', 'storage', 'extensions')
),
facts(line) as (
  -- schemas
  select format('schema %s', quote_ident(nspname)) from ns
  -- extensions (except those of the stub)
  union all
  select format('extension %s schema=%s', quote_ident(x.extname), quote_ident(n.nspname))
  from pg_extension x join pg_namespace n on n.oid = x.extnamespace
  where x.extname not in ('plpgsql', 'pgcrypto', 'uuid-ossp')
  -- tables
  union all
  select format('table %s rls=%s force_rls=%s%s%s%s', qname, relrowsecurity::text, relforcerowsecurity::text,
                case relpersistence when 'u' then ' unlogged=true' else '' end,
                (select ' options=' || string_agg(o, ',' order by o) from unnest(reloptions) o),
                case relreplident when 'd' then '' when 'f' then ' replica_identity=full'
                  when 'n' then ' replica_identity=nothing'
                  else ' replica_identity=' || coalesce((select quote_ident(ic.relname) from pg_index i
                                                         join pg_class ic on ic.oid = i.indexrelid
                                                         where i.indrelid = rel.oid and i.indisreplident), 'index') end)
  from rel where relkind in ('r', 'p')
  union all
  select format('partition_key %s %s', qname, pg_get_partkeydef(oid)) from rel where relkind = 'p'
  union all
  select format('partition %s of %s %s', r.qname, p.qname, pg_get_expr(c.relpartbound, c.oid))
  from rel r join pg_class c on c.oid = r.oid
  join pg_inherits i on i.inhrelid = r.oid join rel p on p.oid = i.inhparent
  where r.relispartition
  union all
  select format('inherits %s from %s', r.qname, p.qname)
  from rel r join pg_inherits i on i.inhrelid = r.oid join rel p on p.oid = i.inhparent
  where not r.relispartition
  union all
  select format('foreign_table %s server=%s options=%s', r.qname, quote_ident(fs.srvname),
                (select string_agg(o, ',' order by o) from unnest(ft.ftoptions) o))
  from rel r join pg_foreign_table ft on ft.ftrelid = r.oid join pg_foreign_server fs on fs.oid = ft.ftserver
  -- foreign servers and the wrappers they use (those of extensions, such as postgres_fdw's,
  -- are reported as the extension)
  union all
  select format('foreign_server %s wrapper=%s type=%s version=%s options=%s', quote_ident(fs.srvname),
                quote_ident(w.fdwname), fs.srvtype, fs.srvversion,
                (select string_agg(o, ',' order by o) from unnest(fs.srvoptions) o))
  from pg_foreign_server fs join pg_foreign_data_wrapper w on w.oid = fs.srvfdw
  where not exists (select from ext_member e where e.classid = 'pg_foreign_server'::regclass and e.objid = fs.oid)
  union all
  select format('foreign_data_wrapper %s', quote_ident(w.fdwname)) from pg_foreign_data_wrapper w
  where not exists (select from ext_member e where e.classid = 'pg_foreign_data_wrapper'::regclass and e.objid = w.oid)
  -- columns (also of composite types and foreign tables)
  union all
  select format('column %s.%s type=%s notnull=%s default=%s identity=%s generated=%s collation=%s',
                r.qname, quote_ident(a.attname), format_type(a.atttypid, a.atttypmod), a.attnotnull::text,
                pg_get_expr(ad.adbin, ad.adrelid), a.attidentity, a.attgenerated,
                case when a.attcollation <> 0 and a.attcollation <> t.typcollation
                     then (select format('%s.%s', quote_ident(cn.nspname), quote_ident(co.collname))
                           from pg_collation co join pg_namespace cn on cn.oid = co.collnamespace
                           where co.oid = a.attcollation) end)
  from rel r join pg_attribute a on a.attrelid = r.oid
  join pg_type t on t.oid = a.atttypid
  left join pg_attrdef ad on ad.adrelid = a.attrelid and ad.adnum = a.attnum
  where r.relkind in ('r', 'p', 'f', 'c') and a.attnum > 0 and not a.attisdropped
  -- identity column sequence options (the sequence's name is not interesting)
  union all
  select format('identity_sequence %s.%s type=%s start=%s increment=%s min=%s max=%s cache=%s cycle=%s',
                r.qname, quote_ident(a.attname), format_type(s.seqtypid, null), s.seqstart,
                s.seqincrement, s.seqmin, s.seqmax, s.seqcache, s.seqcycle::text)
  from pg_depend d join pg_sequence s on s.seqrelid = d.objid
  join rel r on r.oid = d.refobjid
  join pg_attribute a on a.attrelid = d.refobjid and a.attnum = d.refobjsubid
  where d.classid = 'pg_class'::regclass and d.refclassid = 'pg_class'::regclass and d.deptype = 'i'
  -- constraints of tables and domains
  union all
  select format('constraint %s %s %s deferrable=%s deferred=%s', r.qname, quote_ident(co.conname),
                pg_get_constraintdef(co.oid), co.condeferrable::text, co.condeferred::text)
  from pg_constraint co join rel r on r.oid = co.conrelid
  union all
  select format('domain_constraint %s %s %s', t.qname, quote_ident(co.conname), pg_get_constraintdef(co.oid))
  from pg_constraint co join typ t on t.oid = co.contypid
  -- indexes
  union all
  select format('index %s %s %s', r.qname, quote_ident(ic.relname), pg_get_indexdef(i.indexrelid))
  from pg_index i join rel r on r.oid = i.indrelid join pg_class ic on ic.oid = i.indexrelid
  -- sequences (identity sequences are reported with their column)
  union all
  select format('sequence %s type=%s start=%s increment=%s min=%s max=%s cache=%s cycle=%s owned_by=%s',
                r.qname, format_type(s.seqtypid, null), s.seqstart, s.seqincrement, s.seqmin, s.seqmax,
                s.seqcache, s.seqcycle::text,
                (select format('%s.%s.%s', quote_ident(tn.nspname), quote_ident(tc.relname), quote_ident(ta.attname))
                 from pg_depend d join pg_class tc on tc.oid = d.refobjid
                 join pg_namespace tn on tn.oid = tc.relnamespace
                 join pg_attribute ta on ta.attrelid = d.refobjid and ta.attnum = d.refobjsubid
                 where d.classid = 'pg_class'::regclass and d.objid = r.oid
                   and d.refclassid = 'pg_class'::regclass and d.deptype = 'a'))
  from rel r join pg_sequence s on s.seqrelid = r.oid
  where r.relkind = 'S' and r.oid not in (select objid from ident_seq)
  -- views
  union all
  select format('%s %s options=%s %s', case relkind when 'v' then 'view' else 'materialized_view' end,
                qname, coalesce((select string_agg(o, ',' order by o) from unnest(reloptions) o), ''),
                btrim(pg_get_viewdef(oid, true)))
  from rel where relkind in ('v', 'm')
  -- types
  union all
  select format('enum %s labels=%s', t.qname,
                (select string_agg(quote_literal(e.enumlabel), ',' order by e.enumsortorder)
                 from pg_enum e where e.enumtypid = t.oid))
  from typ t where t.typtype = 'e'
  union all
  select format('domain %s type=%s notnull=%s default=%s', t.qname,
                format_type(t.typbasetype, t.typtypmod), t.typnotnull::text, t.typdefault)
  from typ t where t.typtype = 'd'
  union all
  select format('composite_type %s', t.qname) from typ t where t.typtype = 'c'
  union all
  select format('range_type %s subtype=%s opclass=%s collation=%s canonical=%s subtype_diff=%s multirange=%s',
                t.qname, format_type(rg.rngsubtype, null),
                (select format('%s.%s', quote_ident(on_.nspname), quote_ident(oc.opcname)) from pg_opclass oc
                 join pg_namespace on_ on on_.oid = oc.opcnamespace where oc.oid = rg.rngsubopc),
                nullif(rg.rngcollation, 0)::regcollation, nullif(rg.rngcanonical, 0)::regproc,
                nullif(rg.rngsubdiff, 0)::regproc, format_type(rg.rngmultitypid, null))
  from typ t join pg_range rg on rg.rngtypid = t.oid
  -- functions and procedures
  union all
  select case when f.prokind = 'a' then format('aggregate %s', f.qname)
              else format('function %s %s', f.qname, pg_get_functiondef(f.oid)) end
  from func f
  -- what pg_dump writes in CREATE AGGREGATE
  union all
  select format('aggregate_definition %s kind=%s sfunc=%s stype=%s sspace=%s finalfunc=%s final_extra=%s final_modify=%s '
                'combinefunc=%s serialfunc=%s deserialfunc=%s initcond=%s msfunc=%s minvfunc=%s mstype=%s '
                'msspace=%s mfinalfunc=%s mfinal_extra=%s mfinal_modify=%s minitcond=%s sortop=%s parallel=%s',
                f.qname, a.aggkind, a.aggtransfn::regproc, format_type(a.aggtranstype, null), a.aggtransspace,
                nullif(a.aggfinalfn, 0)::regproc, a.aggfinalextra, a.aggfinalmodify,
                nullif(a.aggcombinefn, 0)::regproc, nullif(a.aggserialfn, 0)::regproc,
                nullif(a.aggdeserialfn, 0)::regproc, quote_literal(a.agginitval),
                nullif(a.aggmtransfn, 0)::regproc, nullif(a.aggminvtransfn, 0)::regproc,
                format_type(nullif(a.aggmtranstype, 0), null), a.aggmtransspace, nullif(a.aggmfinalfn, 0)::regproc,
                a.aggmfinalextra, a.aggmfinalmodify, quote_literal(a.aggminitval), nullif(a.aggsortop, 0)::regoperator,
                p.proparallel)
  from func f join pg_aggregate a on a.aggfnoid = f.oid join pg_proc p on p.oid = f.oid
  -- triggers
  union all
  -- (also on the stub's tables: migrations add triggers to auth.users and policies to
  -- storage.objects; the stub itself has neither)
  select format('trigger %s.%s %s enabled=%s %s', quote_ident(n.nspname), quote_ident(c.relname),
                quote_ident(tg.tgname), tg.tgenabled, pg_get_triggerdef(tg.oid))
  from pg_trigger tg join pg_class c on c.oid = tg.tgrelid
  join pg_namespace n on n.oid = c.relnamespace
  where not tg.tgisinternal and n.nspname not in ('pg_catalog', 'information_schema')
  -- row level security policies
  union all
  select format('policy %s.%s %s permissive=%s roles=%s cmd=%s using=%s check=%s',
                quote_ident(p.schemaname), quote_ident(p.tablename), quote_ident(p.policyname),
                p.permissive, (select array_agg(x order by x) from unnest(p.roles) x), p.cmd,
                p.qual, p.with_check)
  from pg_policies p where p.schemaname not in ('pg_catalog', 'information_schema')
  -- publications, and the user tables in each (with the column list and row filter)
  union all
  select format('publication %s all_tables=%s publish=%s%s%s%s via_root=%s', quote_ident(pubname), puballtables,
                case when pubinsert then 'i' else '' end, case when pubupdate then 'u' else '' end,
                case when pubdelete then 'd' else '' end, case when pubtruncate then 't' else '' end, pubviaroot)
  from pg_publication
  union all
  select format('publication %s table %s columns=%s where=%s', quote_ident(p.pubname), r.qname,
                (select string_agg(quote_ident(a.attname), ',' order by a.attname) from pg_attribute a
                 where a.attrelid = pr.prrelid and a.attnum = any(pr.prattrs)),
                pg_get_expr(pr.prqual, pr.prrelid))
  from pg_publication_rel pr join pg_publication p on p.oid = pr.prpubid join rel r on r.oid = pr.prrelid
  -- privileges, one line per object and grantee; owner defaults are made explicit so that
  -- "never granted" equals "granted and revoked again"; '*' marks WITH GRANT OPTION
  union all
  select format('grant %s %s to %s %s', g.kind, g.obj,
                case when a.grantee = 0 then 'PUBLIC' else quote_ident(pg_get_userbyid(a.grantee)) end,
                string_agg(a.privilege_type || case when a.is_grantable then '*' else '' end, ','
                           order by a.privilege_type))
  from acl g, aclexplode(g.acl) a
  group by g.kind, g.obj, a.grantee
  -- owners other than the role that ran the migrations: in tests the connecting role, which
  -- stands for Supabase's `postgres` (a history's OWNER TO "postgres" leaves no line)
  union all
  select format('owner %s %s %s',
                case r.relkind when 'S' then 'sequence' when 'v' then 'view'
                  when 'm' then 'materialized_view' else 'table' end,
                r.qname, quote_ident(pg_get_userbyid(r.relowner)))
  from rel r
  where r.relkind in ('r', 'p', 'v', 'm', 'S') and r.relowner <> (select oid from pg_roles where rolname = current_user)
  union all
  select format('owner function %s %s', f.qname, quote_ident(pg_get_userbyid(f.proowner)))
  from func f where f.proowner <> (select oid from pg_roles where rolname = current_user)
  union all
  select format('owner type %s %s', t.qname, quote_ident(pg_get_userbyid(pt.typowner)))
  from typ t join pg_type pt on pt.oid = t.oid
  where pt.typowner <> (select oid from pg_roles where rolname = current_user)
  union all
  select format('owner schema %s %s', quote_ident(n.nspname), quote_ident(pg_get_userbyid(n.nspowner)))
  from pg_namespace n join ns using (oid)
  where n.nspname <> 'public' and n.nspowner <> (select oid from pg_roles where rolname = current_user)
  -- comments
  union all
  select format('comment schema %s %s', quote_ident(n.nspname), d.description)
  from pg_description d join ns n on n.oid = d.objoid
  where d.classoid = 'pg_namespace'::regclass
  union all
  select format('comment %s %s %s',
                case r.relkind when 'r' then 'table' when 'p' then 'table' when 'i' then 'index'
                  when 'I' then 'index' when 'S' then 'sequence' when 'v' then 'view'
                  when 'm' then 'materialized_view' when 'f' then 'foreign_table'
                  when 'c' then 'composite_type' else r.relkind::text end,
                r.qname, d.description)
  from pg_description d join rel r on r.oid = d.objoid
  where d.classoid = 'pg_class'::regclass and d.objsubid = 0
  union all
  select format('comment column %s.%s %s', r.qname, quote_ident(a.attname), d.description)
  from pg_description d join rel r on r.oid = d.objoid
  join pg_attribute a on a.attrelid = d.objoid and a.attnum = d.objsubid
  where d.classoid = 'pg_class'::regclass and d.objsubid > 0
  union all
  select format('comment constraint %s.%s %s',
                coalesce((select qname from rel where oid = co.conrelid),
                         (select qname from typ where oid = co.contypid)),
                quote_ident(co.conname), d.description)
  from pg_description d join pg_constraint co on co.oid = d.objoid
  where d.classoid = 'pg_constraint'::regclass
    and (co.conrelid in (select oid from rel) or co.contypid in (select oid from typ))
  union all
  select format('comment function %s %s', f.qname, d.description)
  from pg_description d join func f on f.oid = d.objoid
  where d.classoid = 'pg_proc'::regclass
  union all
  select format('comment type %s %s', t.qname, d.description)
  from pg_description d join typ t on t.oid = d.objoid
  where d.classoid = 'pg_type'::regclass
  union all
  select format('comment trigger %s.%s %s', r.qname, quote_ident(tg.tgname), d.description)
  from pg_description d join pg_trigger tg on tg.oid = d.objoid join rel r on r.oid = tg.tgrelid
  where d.classoid = 'pg_trigger'::regclass
  union all
  select format('comment policy %s.%s %s', r.qname, quote_ident(po.polname), d.description)
  from pg_description d join pg_policy po on po.oid = d.objoid join rel r on r.oid = po.polrelid
  where d.classoid = 'pg_policy'::regclass
  union all
  -- pg_cron jobs, when the extension is there: rows of cron.job, read through a query text
  -- so that this query also runs where the table does not exist.
  select format('cron job %L schedule %L command %L', j.jobname, j.schedule, j.command)
  from xmltable('/table/row' passing query_to_xml(
         case when to_regclass('cron.job') is null
              then 'select null::text as jobname, null::text as schedule, null::text as command where false'
              else 'select jobname, schedule, command from cron.job' end, false, false, '')
       columns jobname text, schedule text, command text) j
)
select replace(replace(replace(line, E'\\', E'\\\\'), E'\n', E'\\n'), E'\r', E'\\r') from facts;
