"""Storage: the appliance's SQLite database under the data directory.

`database` opens connections (the engine's one read-write connection, read-only ones for
readers) and brings the schema up to date through the ordered steps in `migrations`;
`history` writes finished calls; `history_reader` reads them back and is all the web
process needs (it imports nothing of the engine).
"""
