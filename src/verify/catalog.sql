-- The catalog of a database as facts, for `schemagen verify` (src/verify/catalog.rs).
-- One JSON array per row: [object, part, key, value, key, value, …]. `object` names what a
-- person would look for ("table public.notes"), `part` what inside it ("column body",
-- "policy \"Own rows\"", "" for the object itself); the keys are what is compared.
-- Every schema but the system ones is covered, Supabase's included: both sides of a
-- comparison hold the same stub. Column order is left out (a migration can only append).
-- Objects that belong to an extension are reported as the extension.
-- search_path is pg_catalog only, so every user object is printed schema-qualified.
set search_path = pg_catalog;
set timezone = 'UTC';
set datestyle = 'ISO, YMD';
with
ns as (
  select n.oid, n.nspname from pg_namespace n
  where n.nspname <> 'information_schema' and n.nspname not like 'pg\_%'
    and not exists (select from pg_depend d where d.classid = 'pg_namespace'::regclass
                    and d.objid = n.oid and d.deptype = 'e')
),
ext_member as (
  select classid, objid from pg_depend where deptype = 'e'
),
rel as (
  select c.oid, c.relname, c.relkind, c.relpersistence, c.relrowsecurity, c.relforcerowsecurity,
         c.relispartition, c.relowner, c.relacl, c.reloptions, c.relreplident, ns.nspname,
         format('%s.%s', quote_ident(ns.nspname), quote_ident(c.relname)) as qname,
         format('%s %s.%s',
                case c.relkind when 'v' then 'view' when 'm' then 'materialized view'
                  when 'f' then 'foreign table' when 'c' then 'type' when 'S' then 'sequence'
                  when 'i' then 'index' when 'I' then 'index' else 'table' end,
                quote_ident(ns.nspname), quote_ident(c.relname)) as label
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
         format('%s %s.%s(%s)',
                case p.prokind when 'p' then 'procedure' when 'a' then 'aggregate' else 'function' end,
                quote_ident(ns.nspname), quote_ident(p.proname),
                pg_get_function_identity_arguments(p.oid)) as label
  from pg_proc p join ns on ns.oid = p.pronamespace
  where not exists (select from ext_member e where e.classid = 'pg_proc'::regclass and e.objid = p.oid)
),
typ as (
  select t.oid, t.typtype, t.typbasetype, t.typtypmod, t.typnotnull, t.typdefault, t.typacl, t.typowner,
         format('%s %s.%s',
                case t.typtype when 'e' then 'enum' when 'd' then 'domain' when 'r' then 'range type'
                  when 'm' then 'multirange type' else 'type' end,
                quote_ident(ns.nspname), quote_ident(t.typname)) as label
  from pg_type t join ns on ns.oid = t.typnamespace
  where not exists (select from ext_member e where e.classid = 'pg_type'::regclass and e.objid = t.oid)
    and (t.typtype in ('e', 'd', 'r', 'm')
         or (t.typtype = 'c' and (select relkind from pg_class where oid = t.typrelid) = 'c'))
),
acl(object, part, acl) as (
  select format('schema %s', quote_ident(n.nspname)), '', coalesce(n.nspacl, acldefault('n', n.nspowner))
  from pg_namespace n join ns using (oid)
  union all
  select r.label, '',
         coalesce(r.relacl, acldefault(case when r.relkind = 'S' then 's'::"char" else 'r'::"char" end,
                                       r.relowner))
  from rel r where r.relkind in ('r', 'p', 'v', 'm', 'f', 'S') and r.oid not in (select objid from ident_seq)
  union all
  select r.label, format('column %s ', quote_ident(at.attname)), at.attacl
  from rel r join pg_attribute at on at.attrelid = r.oid
  where at.attacl is not null and at.attnum > 0 and not at.attisdropped
  union all
  select f.label, '', coalesce(f.proacl, acldefault('f', f.proowner)) from func f
  union all
  select t.label, '', coalesce(t.typacl, acldefault('T', t.typowner)) from typ t
  union all
  select 'default privileges',
         format('of %s in %s on %s', quote_ident(pg_get_userbyid(da.defaclrole)),
                coalesce('schema ' || quote_ident(n.nspname), 'every schema'),
                case da.defaclobjtype when 'r' then 'tables' when 'S' then 'sequences'
                  when 'f' then 'functions' when 'T' then 'types' when 'n' then 'schemas'
                  else da.defaclobjtype::text end),
         da.defaclacl
  from pg_default_acl da left join pg_namespace n on n.oid = da.defaclnamespace
),
facts(fact) as (
  select json_build_array(format('schema %s', quote_ident(nspname)), '') from ns
  union all
  select json_build_array(format('extension %s', quote_ident(x.extname)), '', 'schema', n.nspname)
  from pg_extension x join pg_namespace n on n.oid = x.extnamespace
  -- tables
  union all
  select json_build_array(r.label, '', 'row level security', r.relrowsecurity::text,
                          'forced row level security', r.relforcerowsecurity::text,
                          'unlogged', (r.relpersistence = 'u')::text,
                          -- booleans as schemagen writes them: stored as written (`off`)
                          'options', (select string_agg(regexp_replace(regexp_replace(o, '=(on|yes)$', '=true', 'i'),
                                                                       '=(off|no)$', '=false', 'i'), ', ' order by o)
                                      from unnest(r.reloptions) o),
                          'replica identity',
                          case r.relreplident when 'd' then 'default' when 'f' then 'full' when 'n' then 'nothing'
                            else coalesce((select 'index ' || quote_ident(ic.relname) from pg_index i
                                           join pg_class ic on ic.oid = i.indexrelid
                                           where i.indrelid = r.oid and i.indisreplident), 'index') end,
                          'partitioned by', case when r.relkind = 'p' then pg_get_partkeydef(r.oid) end,
                          'partition of', (select format('%s %s', p.qname, pg_get_expr(c.relpartbound, c.oid))
                                           from pg_inherits i join rel p on p.oid = i.inhparent
                                           join pg_class c on c.oid = r.oid
                                           where i.inhrelid = r.oid and r.relispartition),
                          'inherits', (select string_agg(p.qname, ', ' order by p.qname)
                                       from pg_inherits i join rel p on p.oid = i.inhparent
                                       where i.inhrelid = r.oid and not r.relispartition))
  from rel r where r.relkind in ('r', 'p', 'f')
  -- columns (also of composite types and foreign tables)
  union all
  select json_build_array(r.label, format('column %s', quote_ident(a.attname)),
                          'type', format_type(a.atttypid, a.atttypmod),
                          'not null', a.attnotnull::text,
                          'default', pg_get_expr(ad.adbin, ad.adrelid),
                          'identity', case a.attidentity when 'a' then 'always' when 'd' then 'by default' end,
                          'identity sequence',
                          (select format('type %s start %s increment %s min %s max %s cache %s cycle %s',
                                         format_type(s.seqtypid, null), s.seqstart, s.seqincrement, s.seqmin,
                                         s.seqmax, s.seqcache, s.seqcycle)
                           from pg_depend d join pg_sequence s on s.seqrelid = d.objid
                           where d.classid = 'pg_class'::regclass and d.refclassid = 'pg_class'::regclass
                             and d.deptype = 'i' and d.refobjid = r.oid and d.refobjsubid = a.attnum),
                          'generated', case a.attgenerated when 's' then 'stored' when 'v' then 'virtual' end,
                          'collation',
                          case when a.attcollation <> 0 and a.attcollation <> t.typcollation
                               then (select format('%s.%s', quote_ident(cn.nspname), quote_ident(co.collname))
                                     from pg_collation co join pg_namespace cn on cn.oid = co.collnamespace
                                     where co.oid = a.attcollation) end)
  from rel r join pg_attribute a on a.attrelid = r.oid
  join pg_type t on t.oid = a.atttypid
  left join pg_attrdef ad on ad.adrelid = a.attrelid and ad.adnum = a.attnum
  where r.relkind in ('r', 'p', 'f', 'c') and a.attnum > 0 and not a.attisdropped
  -- constraints of tables and domains
  union all
  select json_build_array(r.label, format('constraint %s', quote_ident(co.conname)),
                          'definition', pg_get_constraintdef(co.oid),
                          'deferrable', co.condeferrable::text, 'initially deferred', co.condeferred::text)
  from pg_constraint co join rel r on r.oid = co.conrelid
  union all
  select json_build_array(t.label, format('constraint %s', quote_ident(co.conname)),
                          'definition', pg_get_constraintdef(co.oid))
  from pg_constraint co join typ t on t.oid = co.contypid
  -- indexes
  union all
  select json_build_array(r.label, format('index %s', quote_ident(ic.relname)),
                          'definition', pg_get_indexdef(i.indexrelid))
  from pg_index i join rel r on r.oid = i.indrelid join pg_class ic on ic.oid = i.indexrelid
  -- sequences (identity sequences are reported with their column)
  union all
  select json_build_array(r.label, '', 'type', format_type(s.seqtypid, null), 'start', s.seqstart::text,
                          'increment', s.seqincrement::text, 'min', s.seqmin::text, 'max', s.seqmax::text,
                          'cache', s.seqcache::text, 'cycle', s.seqcycle::text,
                          'owned by',
                          (select format('%s.%s.%s', quote_ident(tn.nspname), quote_ident(tc.relname),
                                         quote_ident(ta.attname))
                           from pg_depend d join pg_class tc on tc.oid = d.refobjid
                           join pg_namespace tn on tn.oid = tc.relnamespace
                           join pg_attribute ta on ta.attrelid = d.refobjid and ta.attnum = d.refobjsubid
                           where d.classid = 'pg_class'::regclass and d.objid = r.oid
                             and d.refclassid = 'pg_class'::regclass and d.deptype = 'a'))
  from rel r join pg_sequence s on s.seqrelid = r.oid
  where r.relkind = 'S' and r.oid not in (select objid from ident_seq)
  -- views
  union all
  select json_build_array(label, '',
                          'options', (select string_agg(o, ', ' order by o) from unnest(reloptions) o),
                          'definition', btrim(pg_get_viewdef(oid, true)))
  from rel where relkind in ('v', 'm')
  -- types
  union all
  select json_build_array(t.label, '', 'values',
                          (select string_agg(quote_literal(e.enumlabel), ', ' order by e.enumsortorder)
                           from pg_enum e where e.enumtypid = t.oid))
  from typ t where t.typtype = 'e'
  union all
  select json_build_array(t.label, '', 'type', format_type(t.typbasetype, t.typtypmod),
                          'not null', t.typnotnull::text, 'default', t.typdefault)
  from typ t where t.typtype = 'd'
  union all
  select json_build_array(t.label, '') from typ t where t.typtype = 'c'
  union all
  select json_build_array(t.label, '', 'subtype', format_type(rg.rngsubtype, null))
  from typ t join pg_range rg on rg.rngtypid = t.oid
  -- functions and procedures
  union all
  select json_build_array(f.label, '', 'definition',
                          case when f.prokind <> 'a' then pg_get_functiondef(f.oid) end)
  from func f
  -- triggers, also on Supabase's tables (migrations add them to auth.users)
  union all
  select json_build_array(r.label, format('trigger %s', quote_ident(tg.tgname)),
                          'enabled', case tg.tgenabled when 'O' then 'yes' when 'D' then 'no'
                                       when 'R' then 'replica' when 'A' then 'always' end,
                          'definition', pg_get_triggerdef(tg.oid))
  from pg_trigger tg join rel r on r.oid = tg.tgrelid
  where not tg.tgisinternal
  -- row-level security policies, also on Supabase's tables (migrations add them to storage.objects)
  union all
  select json_build_array(r.label, format('policy %s', quote_ident(p.policyname)),
                          'permissive', p.permissive,
                          'roles', (select string_agg(x, ', ' order by x) from unnest(p.roles) x),
                          'command', p.cmd, 'using', p.qual, 'with check', p.with_check)
  from pg_policies p join rel r on r.nspname = p.schemaname and r.relname = p.tablename
  -- publications, and the tables in each with their column lists and row filters
  union all
  select json_build_array(format('publication %s', quote_ident(p.pubname)), '',
                          'all tables', p.puballtables::text,
                          'publish', concat_ws(', ', case when p.pubinsert then 'insert' end,
                                               case when p.pubupdate then 'update' end,
                                               case when p.pubdelete then 'delete' end,
                                               case when p.pubtruncate then 'truncate' end),
                          'via partition root', p.pubviaroot::text)
  from pg_publication p
  union all
  select json_build_array(format('publication %s', quote_ident(p.pubname)), format('table %s', r.qname),
                          'columns', (select string_agg(quote_ident(a.attname), ', ' order by a.attname)
                                      from pg_attribute a
                                      where a.attrelid = pr.prrelid and a.attnum = any (pr.prattrs)),
                          'where', pg_get_expr(pr.prqual, pr.prrelid))
  from pg_publication_rel pr join pg_publication p on p.oid = pr.prpubid join rel r on r.oid = pr.prrelid
  -- privileges, one row per object and grantee; owner defaults are made explicit so that
  -- "never granted" equals "granted and revoked again"; '*' marks WITH GRANT OPTION
  union all
  select json_build_array(g.object,
                          g.part || format('grant to %s',
                                           case when a.grantee = 0 then 'PUBLIC'
                                                else quote_ident(pg_get_userbyid(a.grantee)) end),
                          'privileges',
                          string_agg(a.privilege_type || case when a.is_grantable then '*' else '' end, ', '
                                     order by a.privilege_type))
  from acl g, aclexplode(g.acl) a
  group by g.object, g.part, a.grantee
  -- comments
  union all
  select json_build_array(format('schema %s', quote_ident(n.nspname)), 'comment', 'text', d.description)
  from pg_description d join ns n on n.oid = d.objoid
  where d.classoid = 'pg_namespace'::regclass
  union all
  select json_build_array(coalesce(t.label, r.label),
                          case when t.label is null then 'comment'
                               else format('index %s comment', quote_ident(r.relname)) end,
                          'text', d.description)
  from pg_description d join rel r on r.oid = d.objoid
  left join pg_index i on i.indexrelid = r.oid left join rel t on t.oid = i.indrelid
  where d.classoid = 'pg_class'::regclass and d.objsubid = 0
  union all
  select json_build_array(r.label, format('column %s comment', quote_ident(a.attname)), 'text', d.description)
  from pg_description d join rel r on r.oid = d.objoid
  join pg_attribute a on a.attrelid = d.objoid and a.attnum = d.objsubid
  where d.classoid = 'pg_class'::regclass and d.objsubid > 0
  union all
  select json_build_array(coalesce((select label from rel where oid = co.conrelid),
                                   (select label from typ where oid = co.contypid)),
                          format('constraint %s comment', quote_ident(co.conname)), 'text', d.description)
  from pg_description d join pg_constraint co on co.oid = d.objoid
  where d.classoid = 'pg_constraint'::regclass
    and (co.conrelid in (select oid from rel) or co.contypid in (select oid from typ))
  union all
  select json_build_array(f.label, 'comment', 'text', d.description)
  from pg_description d join func f on f.oid = d.objoid
  where d.classoid = 'pg_proc'::regclass
  union all
  select json_build_array(t.label, 'comment', 'text', d.description)
  from pg_description d join typ t on t.oid = d.objoid
  where d.classoid = 'pg_type'::regclass
  union all
  select json_build_array(r.label, format('trigger %s comment', quote_ident(tg.tgname)), 'text', d.description)
  from pg_description d join pg_trigger tg on tg.oid = d.objoid join rel r on r.oid = tg.tgrelid
  where d.classoid = 'pg_trigger'::regclass
  union all
  select json_build_array(r.label, format('policy %s comment', quote_ident(po.polname)), 'text', d.description)
  from pg_description d join pg_policy po on po.oid = d.objoid join rel r on r.oid = po.polrelid
  where d.classoid = 'pg_policy'::regclass
)
select fact::text from facts;
