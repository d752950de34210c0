"""The JSON of every resource, for the API and the command line alike.

Each resource is a `TypedDict` (its keys and value types, checked by mypy where the
function that builds it writes them) and one function that builds it. The API documents
its answers with the same TypedDicts (`api/openapi.py` turns them into the schema), so
the documentation cannot drift from the answers. Values are JSON-ready (ids and
datetimes as strings): the hot reads encode them as they are.
"""
