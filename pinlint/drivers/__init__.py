"""What the database libraries do, by qualified name: where each one is recognised, what its calls
return, which of its defaults emit session state, and which functions it runs per connection.

One module per library (`asyncpg`, `psycopg`, `psycopg2`, `sqlalchemy`, `django`, `mysql`);
`registry` merges their tables and hands every call site to each of them; `api` holds what the
rules read of a call (no libcst), `site` the call as the library modules see it.
"""
