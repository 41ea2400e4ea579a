//! Range types and aggregates read back as the CREATE statements that make them, with the
//! options that differ from PostgreSQL's defaults only, and names in `public` and
//! `pg_catalog` bare, as the SQL loader keeps them.

/// `schema.name` as the loader keeps a function, operator class or type name.
fn name(schema: &str, name: &str) -> String {
    format!(
        "case when {schema} in ('public', 'pg_catalog') then quote_ident({name}) else format('%I.%I', {schema}, {name}) end"
    )
}

/// The name of the function `oid`, for an option.
fn function(oid: &str) -> String {
    format!(
        "(select {} from pg_catalog.pg_proc fp join pg_catalog.pg_namespace fn on fn.oid = fp.pronamespace where fp.oid = {oid})",
        name("fn.nspname", "fp.proname")
    )
}

/// `, key = <function oid>` when the oid is set.
fn function_option(key: &str, oid: &str) -> String {
    format!("case when {oid} <> 0 then ', {key} = ' || {} else '' end", function(oid))
}

/// CREATE TYPE … AS RANGE of each range type of `types`.
pub(super) fn ranges(types: &str) -> String {
    let default_multirange = "case when position('range' in t.typname) > 0 \
        then overlay(t.typname placing 'multirange' from position('range' in t.typname) for 5) \
        else t.typname || '_multirange' end";
    format!(
        "with t as ({types}) select format('CREATE TYPE %I.%I AS RANGE (subtype = %s', t.nspname, t.typname, \
           pg_catalog.format_type(rg.rngsubtype, null)) \
         || case when not oc.opcdefault then ', subtype_opclass = ' || {opclass} else '' end \
         || case when rg.rngcollation <> 0 and rg.rngcollation <> st.typcollation then ', collation = ' || \
              (select {collation} from pg_catalog.pg_collation co join pg_catalog.pg_namespace cn on cn.oid = co.collnamespace \
               where co.oid = rg.rngcollation) else '' end \
         || {canonical} || {diff} \
         || case when mt.typname <> {default_multirange} or mt.typnamespace <> tt.typnamespace \
              then ', multirange_type_name = ' || {multirange} else '' end || ');' \
         from t join pg_catalog.pg_type tt on tt.oid = t.oid join pg_catalog.pg_range rg on rg.rngtypid = t.oid \
         join pg_catalog.pg_type st on st.oid = rg.rngsubtype \
         join pg_catalog.pg_opclass oc on oc.oid = rg.rngsubopc join pg_catalog.pg_namespace ocn on ocn.oid = oc.opcnamespace \
         join pg_catalog.pg_type mt on mt.oid = rg.rngmultitypid join pg_catalog.pg_namespace mn on mn.oid = mt.typnamespace \
         where t.typtype = 'r' order by t.oid",
        opclass = name("ocn.nspname", "oc.opcname"),
        collation = name("cn.nspname", "co.collname"),
        canonical = function_option("canonical", "rg.rngcanonical"),
        diff = function_option("subtype_diff", "rg.rngsubdiff"),
        multirange = name("mn.nspname", "mt.typname"),
    )
}

/// CREATE AGGREGATE of each aggregate of `aggregates` (pg_proc's oid, nspname, proname and
/// pg_aggregate's columns), and COMMENT ON AGGREGATE of those that have one.
pub(super) fn aggregates(aggregates: &str) -> String {
    let modify = |key: &str, column: &str| {
        format!("case {column} when 's' then ', {key} = SHAREABLE' when 'w' then ', {key} = READ_WRITE' else '' end")
    };
    let comment = "coalesce(E'\\n' || (select format('COMMENT ON AGGREGATE %I.%I(%s) IS %L;', a.nspname, a.proname, \
        case when p.pronargs = 0 then '*' else pg_catalog.pg_get_function_identity_arguments(a.oid) end, d.description) \
        from pg_catalog.pg_description d where d.objoid = a.oid and d.classoid = 'pg_catalog.pg_proc'::regclass), '')";
    format!(
        "with a as ({aggregates}) select format('CREATE AGGREGATE %I.%I(%s) (sfunc = %s, stype = %s', a.nspname, a.proname, \
           case when p.pronargs = 0 then '*' else pg_catalog.pg_get_function_identity_arguments(a.oid) end, \
           {sfunc}, pg_catalog.format_type(a.aggtranstype, null)) \
         || case when a.aggtransspace <> 0 then ', sspace = ' || a.aggtransspace else '' end \
         || {finalfunc} || case when a.aggfinalextra then ', finalfunc_extra' else '' end || {final_modify} \
         || {combinefunc} || {serialfunc} || {deserialfunc} \
         || case when a.agginitval is not null then format(', initcond = %L', a.agginitval) else '' end \
         || {msfunc} || {minvfunc} \
         || case when a.aggmtranstype <> 0 then ', mstype = ' || pg_catalog.format_type(a.aggmtranstype, null) else '' end \
         || case when a.aggmtransspace <> 0 then ', msspace = ' || a.aggmtransspace else '' end \
         || {mfinalfunc} || case when a.aggmfinalextra then ', mfinalfunc_extra' else '' end || {mfinal_modify} \
         || case when a.aggminitval is not null then format(', minitcond = %L', a.aggminitval) else '' end \
         || case when a.aggsortop <> 0 then ', sortop = ' || (select oprname from pg_catalog.pg_operator where oid = a.aggsortop) else '' end \
         || case p.proparallel when 's' then ', parallel = safe' when 'r' then ', parallel = restricted' else '' end \
         || ');' || {comment} \
         from a join pg_catalog.pg_proc p on p.oid = a.oid order by a.oid",
        sfunc = function("a.aggtransfn"),
        finalfunc = function_option("finalfunc", "a.aggfinalfn"),
        final_modify = modify("finalfunc_modify", "a.aggfinalmodify"),
        combinefunc = function_option("combinefunc", "a.aggcombinefn"),
        serialfunc = function_option("serialfunc", "a.aggserialfn"),
        deserialfunc = function_option("deserialfunc", "a.aggdeserialfn"),
        msfunc = function_option("msfunc", "a.aggmtransfn"),
        minvfunc = function_option("minvfunc", "a.aggminvtransfn"),
        mfinalfunc = function_option("mfinalfunc", "a.aggmfinalfn"),
        mfinal_modify = modify("mfinalfunc_modify", "a.aggmfinalmodify"),
    )
}
