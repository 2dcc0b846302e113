-- A canonical description of everything pg_journey owns in a database, one line per fact, sorted: what
-- test/fault/upgrade.sh compares between a database updated from 0.1.0 and a fresh install.
WITH ext AS (SELECT oid FROM pg_extension WHERE extname = 'pg_journey'),
members AS (SELECT classid, objid FROM pg_depend WHERE refclassid = 'pg_extension'::regclass
	AND refobjid = (SELECT oid FROM ext) AND deptype = 'e'),
rels AS (SELECT c.oid, c.relname, c.relkind, c.relacl, c.reloptions FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
	WHERE n.nspname = 'journey'),
facts AS (
	SELECT 'function ' || p.oid::regprocedure || ' ' || pg_get_functiondef(p.oid) || ' acl ' || coalesce(p.proacl::text, '-')
		|| ' comment ' || coalesce(obj_description(p.oid, 'pg_proc'), '-') AS line
	  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'journey' AND p.prokind <> 'a'
	UNION ALL
	SELECT 'relation ' || r.relname || ' kind ' || r.relkind::text || ' acl ' || coalesce(r.relacl::text, '-') || ' options '
		|| coalesce(r.reloptions::text, '-') || ' comment ' || coalesce(obj_description(r.oid, 'pg_class'), '-') FROM rels r
	UNION ALL
	SELECT 'column ' || r.relname || '.' || a.attname || ' #' || a.attnum || ' ' || format_type(a.atttypid, a.atttypmod)
		|| CASE WHEN a.attnotnull THEN ' not null' ELSE '' END || ' default ' || coalesce(pg_get_expr(d.adbin, d.adrelid), '-')
		|| ' identity ' || a.attidentity::text || ' generated ' || a.attgenerated::text || ' acl ' || coalesce(a.attacl::text, '-')
		|| ' comment ' || coalesce(col_description(r.oid, a.attnum), '-')
	  FROM rels r JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped
	  LEFT JOIN pg_attrdef d ON d.adrelid = r.oid AND d.adnum = a.attnum
	UNION ALL
	SELECT 'constraint ' || r.relname || ' ' || c.conname || ' ' || pg_get_constraintdef(c.oid)
	  FROM pg_constraint c JOIN rels r ON r.oid = c.conrelid
	UNION ALL
	SELECT 'index ' || pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN rels r ON r.oid = i.indrelid
	UNION ALL
	SELECT 'view ' || r.relname || ' ' || pg_get_viewdef(r.oid) FROM rels r WHERE r.relkind IN ('v', 'm')
	UNION ALL
	SELECT 'trigger ' || pg_get_triggerdef(t.oid) || CASE t.tgenabled WHEN 'O' THEN '' ELSE ' enabled ' || t.tgenabled::text END
	  FROM pg_trigger t WHERE NOT t.tgisinternal AND (t.tgrelid IN (SELECT oid FROM rels) OR t.tgfoid IN
		(SELECT p.oid FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'journey'))
	UNION ALL
	SELECT 'sequence ' || s.seqrelid::regclass || ' ' || s.seqtypid::regtype || ' ' || s.seqincrement || ' ' || s.seqstart
	  FROM pg_sequence s JOIN rels r ON r.oid = s.seqrelid
	UNION ALL
	SELECT 'type ' || t.oid::regtype || ' ' || t.typtype::text || ' ' || coalesce((SELECT string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder)
		FROM pg_enum e WHERE e.enumtypid = t.oid), '')
	  FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = 'journey' AND t.typtype IN ('e', 'd', 'c')
		AND (t.typrelid = 0 OR (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c')
	UNION ALL
	SELECT 'schema ' || n.nspname || ' acl ' || coalesce(n.nspacl::text, '-') || ' comment ' || coalesce(obj_description(n.oid, 'pg_namespace'), '-')
	  FROM pg_namespace n WHERE n.nspname = 'journey'
	UNION ALL
	SELECT 'default acl ' || d.defaclobjtype::text || ' ' || d.defaclacl::text FROM pg_default_acl d
	  JOIN pg_namespace n ON n.oid = d.defaclnamespace WHERE n.nspname = 'journey'
	UNION ALL
	SELECT 'config dump ' || c::regclass || ' ' || coalesce(x.extcondition[i], '-')
	  FROM pg_extension x, unnest(x.extconfig) WITH ORDINALITY AS u(c, i) WHERE x.extname = 'pg_journey'
	UNION ALL
	SELECT 'member ' || pg_describe_object(m.classid, m.objid, 0) FROM members m
)
SELECT line FROM facts ORDER BY line;
