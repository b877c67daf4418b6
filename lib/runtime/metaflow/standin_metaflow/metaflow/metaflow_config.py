import os

SFN_DYNAMO_DB_TABLE = os.environ.get("METAFLOW_SFN_DYNAMO_DB_TABLE")
