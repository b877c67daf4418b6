"""The stand-in's `metaflow`: only what our own commands in a job import from Metaflow (not Metaflow's runtime).

On the stand-in's PYTHONPATH for `python -c '...'` commands of ours, e.g. the join inputs of an inline-Map foreach,
which read DynamoDB with Metaflow's AWS client and table setting; the requests go through the stand-in's client.
"""
