-- Role defaults are the fix pinlint suggests: they do not touch pooled sessions.
ALTER ROLE app SET search_path = tenant_a, public;
ALTER ROLE app SET statement_timeout = '5s';

-- A function that quietly changes session state for its caller.
CREATE OR REPLACE FUNCTION switch_tenant(tenant text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config('search_path', tenant, false);
END
$$;

-- A function-level SET clause is scoped to the call: fine.
CREATE OR REPLACE FUNCTION tenant_count() RETURNS bigint
LANGUAGE sql SET search_path = tenant_a AS $$ SELECT count(*) FROM orders $$;

PREPARE recent_orders AS SELECT * FROM orders ORDER BY id DESC LIMIT 10;
