"""The Python layer: where SQL enters a database from Python code, found with libcst."""
