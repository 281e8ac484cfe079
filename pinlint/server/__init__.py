"""`pinlint server`: a Language Server over stdio, a thin front end on the engine (`pinlint.server.lsp`).

Needs pygls (`pip install 'pinlint-db[server]'`); the rest of pinlint does not.
"""
