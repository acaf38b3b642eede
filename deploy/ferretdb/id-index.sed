# FerretDB v1.24.2, SQLite backend: every collection's unique _id index is built on the expression
# _ferretdb_sjson->"_id", but lookups by _id filter on _ferretdb_sjson->'$._id'. SQLite matches
# index expressions structurally, so it never uses the index and every find/update/delete by _id
# scans the whole table (0.5 s at 50,000 documents). Filtering on ->'_id' selects the same JSON
# value and lets SQLite use the index. Applied to internal/backends/sqlite/metadata/metadata.go.
s|IDColumn = DefaultColumn + "->'\$\._id'"|IDColumn = DefaultColumn + "->'_id'"|
