"""The SQL layer: splitting text into statements (lexer) and reading what each one does (classify)."""
